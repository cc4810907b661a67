import { SignedInPage } from '../workspace/SignedInPage';
import { tabSessionId } from '../workspace/signIn';
import { AgentWorkspace } from './AgentWorkspace';
import { alertSound } from './offers/alertSound';
import { askForNotifications } from './offers/desktopNotices';

/** The click is the gesture browsers want before a page may play sound or ask to show notifications. */
function unlockAlerts(): void {
  alertSound().unlock();
  void askForNotifications();
}

/** `/agent`: the sign-in, then the workspace. */
export function AgentPage() {
  return (
    <SignedInPage path="/agent" name="Agent workspace" signInTitle="Sign in to the agent workspace" onSignInClick={unlockAlerts}>
      {({ me, api }, signOut) => {
        // Offline at once when this was the agent's last tab (the sweep would do it later anyway).
        const leave = () => void api.deleteSession(me.id, tabSessionId()).catch(() => undefined).finally(() => signOut());
        return <AgentWorkspace key={me.id} me={me} api={api} onSignOut={leave} onRefused={signOut} />;
      }}
    </SignedInPage>
  );
}
