import { useEffect } from 'react';
import { SignInScreen } from '../workspace/SignInScreen';
import { StatusScreen } from '../workspace/StatusScreen';
import { useSignIn } from '../workspace/useSignIn';
import { SupervisorView } from './SupervisorView';

const PAGE_PATH = '/supervisor';

/**
 * `/supervisor`: the same sign-in as the agent page (workspace/), then the supervisor's view. Whether the
 * user is a supervisor is the server's to say (a 403 from /api/supervisor/*), and the view says it.
 */
export function SupervisorPage() {
  const { state, signIn, signOut, retry } = useSignIn(PAGE_PATH);

  useEffect(() => {
    if (state.kind !== 'signedIn') document.title = 'Sign in · Supervisor';
  }, [state.kind]);

  switch (state.kind) {
    case 'checking':
      return <StatusScreen kind="loading" label="Checking your sign-in…" />;
    case 'redirecting':
      return <StatusScreen kind="loading" label="Going to the sign-in page…" />;
    case 'error':
      return <StatusScreen kind="error" title="Switchboard cannot be reached" message={state.message} onRetry={retry} />;
    case 'signedOut':
      return <SignInScreen title="Sign in to the supervisor's view" problem={state.problem} busy={state.busy} onSignIn={(u, t) => void signIn(u, t)} />;
    case 'signedIn':
      return <SupervisorView key={state.me.id} me={state.me} api={state.api} onSignOut={() => signOut()} onSignedOut={signOut} />;
  }
}
