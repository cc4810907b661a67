import { SignedInPage } from '../workspace/SignedInPage';
import { SupervisorView } from './SupervisorView';

/**
 * `/supervisor`: the same sign-in as the agent page (workspace/), then the supervisor's view. Whether the
 * user is a supervisor is the server's to say (a 403 from /api/supervisor/*), and the view says it.
 */
export function SupervisorPage() {
  return (
    <SignedInPage path="/supervisor" name="Supervisor" signInTitle="Sign in to the supervisor's view">
      {({ me, api }, signOut) => <SupervisorView key={me.id} me={me} api={api} onSignOut={() => signOut()} onSignedOut={signOut} />}
    </SignedInPage>
  );
}
