import { SignedInPage } from '../workspace/SignedInPage';
import { InsightsView } from './InsightsView';

/**
 * `/insights`: the same sign-in as the agent and supervisor pages (workspace/), then the insights. Whether
 * the user is a supervisor is the server's to say (a 403 from GET /api/insights), and the view says it.
 */
export function InsightsPage() {
  return (
    <SignedInPage path="/insights" name="Insights" signInTitle="Sign in to the insights">
      {({ me, api }, signOut) => <InsightsView key={me.id} me={me} api={api} onSignOut={() => signOut()} onSignedOut={signOut} />}
    </SignedInPage>
  );
}
