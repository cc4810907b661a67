import { useCallback, useEffect, useState } from 'react';
import { ApiError, type WorkspaceApi } from './api';
import type { Me } from './contract';
import { resumeSignIn, signInWithToken, signOut } from './signIn';

/** Who is signed in, and the API client that carries their credentials. */
export type SignedIn = { kind: 'signedIn'; me: Me; api: WorkspaceApi };

export type SignInState =
  | { kind: 'checking' }
  | SignedIn
  | { kind: 'signedOut'; problem?: string; busy?: boolean }
  | { kind: 'redirecting' }
  | { kind: 'error'; message: string };

export interface SignInHandle {
  state: SignInState;
  signIn: (userId: string, token: string) => Promise<void>;
  /** `problem` says why, when the page was signed out by a refusal (a 401 mid-session). */
  signOut: (problem?: string) => void;
  retry: () => void;
}

/** The page's sign-in as React state (signIn.ts does the work): checked once when the page opens. */
export function useSignIn(pagePath: string): SignInHandle {
  const [state, setState] = useState<SignInState>({ kind: 'checking' });

  const check = useCallback(() => {
    setState({ kind: 'checking' });
    resumeSignIn(pagePath).then(setState, (error: unknown) => setState({ kind: 'error', message: messageOf(error) }));
  }, [pagePath]);

  useEffect(check, [check]);

  const signIn = useCallback(async (userId: string, token: string) => {
    setState({ kind: 'signedOut', busy: true });
    try {
      setState(await signInWithToken(userId, token));
    } catch (error) {
      setState({ kind: 'signedOut', problem: messageOf(error) });
    }
  }, []);

  const leave = useCallback((problem?: string) => {
    if (state.kind === 'signedIn') signOut(state.api, pagePath);
    setState({ kind: 'signedOut', problem });
  }, [state, pagePath]);

  return { state, signIn, signOut: leave, retry: check };
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
