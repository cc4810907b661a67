import { useEffect, type ReactNode } from 'react';
import { SignInScreen } from './SignInScreen';
import { StatusScreen } from './StatusScreen';
import { useSignIn, type SignedIn } from './useSignIn';

export interface SignedInPageProps {
  /** The page's path: where the sign-in comes back to. */
  path: string;
  /** The page's name, for the sign-in screen's title and the tab's ("Sign in · Insights"). */
  name: string;
  signInTitle: string;
  /** Runs in the click that signs in, before it: what a page may do only in a user's gesture (sound, notifications). */
  onSignInClick?: () => void;
  children: (signedIn: SignedIn, signOut: (problem?: string) => void) => ReactNode;
}

/** The sign-in every workspace page shares (agent, supervisor, insights): a screen for each of its states, then the page. */
export function SignedInPage({ path, name, signInTitle, onSignInClick, children }: SignedInPageProps) {
  const { state, signIn, signOut, retry } = useSignIn(path);

  useEffect(() => {
    if (state.kind !== 'signedIn') document.title = `Sign in · ${name}`;
  }, [state.kind, name]);

  switch (state.kind) {
    case 'checking':
      return <StatusScreen kind="loading" label="Checking your sign-in…" />;
    case 'redirecting':
      return <StatusScreen kind="loading" label="Going to the sign-in page…" />;
    case 'error':
      return <StatusScreen kind="error" title="Switchboard cannot be reached" message={state.message} onRetry={retry} />;
    case 'signedOut':
      return (
        <SignInScreen
          title={signInTitle}
          problem={state.problem}
          busy={state.busy}
          onSignIn={(userId, token) => {
            onSignInClick?.();
            void signIn(userId, token);
          }}
        />
      );
    case 'signedIn':
      return children(state, signOut);
  }
}
