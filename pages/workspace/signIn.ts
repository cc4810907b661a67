import { ApiError, WorkspaceApi } from './api';
import type { Me } from './contract';

/**
 * Who is at the keyboard. Locally an agent signs in with a user id and the development token from the
 * configuration (alice / dev-alice), kept in this tab's sessionStorage, so a reload stays signed in and
 * another tab can be someone else. In Azure, App Service authentication signs agents in with Entra ID:
 * the page sends its cookie and GET /api/me says who it names; without a sign-in the page goes to
 * `/.auth/login/aad` and comes back. Either way GET /api/me is the check.
 */
const TOKEN_KEY = 'switchboard.workspace.token';
const SESSION_KEY = 'switchboard.workspace.session';

export type SignIn =
  | { kind: 'signedIn'; me: Me; api: WorkspaceApi }
  /** Show the development sign-in form (the local host, or an Azure app that takes development tokens). */
  | { kind: 'signedOut'; problem?: string }
  /** On the way to App Service's sign-in page. */
  | { kind: 'redirecting' };

/** Where App Service authentication signs an agent in and sends it back to this page. */
export const appServiceLoginUrl = (pagePath: string) => `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(pagePath)}`;
export const appServiceLogoutUrl = (pagePath: string) => `/.auth/logout?post_logout_redirect_uri=${encodeURIComponent(pagePath)}`;

/** The page's start: this tab's stored token, else App Service's cookie, else the form or App Service's sign-in. */
export async function resumeSignIn(pagePath: string): Promise<SignIn> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) {
    const api = new WorkspaceApi({ kind: 'token', token });
    try {
      return { kind: 'signedIn', me: await api.getMe(), api };
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      sessionStorage.removeItem(TOKEN_KEY);
    }
  }
  const api = new WorkspaceApi({ kind: 'cookie' });
  try {
    return { kind: 'signedIn', me: await api.getMe(), api };
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
  }
  if (await appServiceSignInExists()) {
    location.assign(appServiceLoginUrl(pagePath));
    return { kind: 'redirecting' };
  }
  return { kind: 'signedOut' };
}

/** The development sign-in: the token must name the user typed in, so a wrong pair fails here and not later. */
export async function signInWithToken(userId: string, token: string): Promise<SignIn> {
  const api = new WorkspaceApi({ kind: 'token', token: token.trim() });
  try {
    const me = await api.getMe();
    if (me.id !== userId.trim()) return { kind: 'signedOut', problem: `That token is ${me.id}'s, not ${userId.trim()}'s.` };
    sessionStorage.setItem(TOKEN_KEY, token.trim());
    return { kind: 'signedIn', me, api };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return { kind: 'signedOut', problem: 'That user id and token do not match a user of this Switchboard.' };
    throw error;
  }
}

/** Forgets this tab's token; with App Service's sign-in, signs out there too (the page navigates). */
export function signOut(api: WorkspaceApi, pagePath: string): void {
  sessionStorage.removeItem(TOKEN_KEY);
  if (api.credentials.kind === 'cookie') location.assign(appServiceLogoutUrl(pagePath));
}

/** A random id per tab (POST …/session), kept across reloads of the tab. */
export function tabSessionId(): string {
  let id = sessionStorage.getItem(SESSION_KEY);
  if (!id) {
    id = crypto.randomUUID();
    sessionStorage.setItem(SESSION_KEY, id);
  }
  return id;
}

/**
 * Whether App Service authentication guards this origin: its login route answers with a redirect to
 * Entra ID (or a 401 to a script), where the local host has no such route (404).
 */
async function appServiceSignInExists(): Promise<boolean> {
  try {
    const response = await fetch('/.auth/login/aad', { method: 'GET', redirect: 'manual', credentials: 'same-origin' });
    return response.type === 'opaqueredirect' || (response.status !== 404 && response.status < 500);
  } catch {
    return false;
  }
}
