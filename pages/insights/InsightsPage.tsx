import { useEffect } from 'react';
import { SignInScreen } from '../workspace/SignInScreen';
import { StatusScreen } from '../workspace/StatusScreen';
import { useSignIn } from '../workspace/useSignIn';
import { InsightsView } from './InsightsView';

const PAGE_PATH = '/insights';

/**
 * `/insights`: the same sign-in as the agent and supervisor pages (workspace/), then the insights. Whether
 * the user is a supervisor is the server's to say (a 403 from GET /api/insights), and the view says it.
 */
export function InsightsPage() {
  const { state, signIn, signOut, retry } = useSignIn(PAGE_PATH);

  useEffect(() => {
    if (state.kind !== 'signedIn') document.title = 'Sign in · Insights';
  }, [state.kind]);

  switch (state.kind) {
    case 'checking':
      return <StatusScreen kind="loading" label="Checking your sign-in…" />;
    case 'redirecting':
      return <StatusScreen kind="loading" label="Going to the sign-in page…" />;
    case 'error':
      return <StatusScreen kind="error" title="Switchboard cannot be reached" message={state.message} onRetry={retry} />;
    case 'signedOut':
      return <SignInScreen title="Sign in to the insights" problem={state.problem} busy={state.busy} onSignIn={(u, t) => void signIn(u, t)} />;
    case 'signedIn':
      return <InsightsView key={state.me.id} me={state.me} api={state.api} onSignOut={() => signOut()} onSignedOut={signOut} />;
  }
}
