import { useEffect } from 'react';
import { SignInScreen } from '../workspace/SignInScreen';
import { StatusScreen } from '../workspace/StatusScreen';
import { tabSessionId } from '../workspace/signIn';
import { useSignIn } from '../workspace/useSignIn';
import { AgentWorkspace } from './AgentWorkspace';
import { askForNotifications } from './offers/desktopNotices';

const PAGE_PATH = '/agent';

/** `/agent`: the sign-in, then the workspace; every state of the sign-in has a screen of its own. */
export function AgentPage() {
  const { state, signIn, signOut, retry } = useSignIn(PAGE_PATH);

  useEffect(() => {
    if (state.kind !== 'signedIn') document.title = 'Sign in · Agent workspace';
  }, [state.kind]);

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
          title="Sign in to the agent workspace"
          problem={state.problem}
          busy={state.busy}
          onSignIn={(userId, token) => {
            // The click is the gesture browsers want before a page may ask to show notifications.
            void askForNotifications();
            void signIn(userId, token);
          }}
        />
      );
    case 'signedIn': {
      const { api, me } = state;
      const leave = () => {
        // Offline at once when this was the agent's last tab (the sweep would do it later anyway).
        api.deleteSession(me.id, tabSessionId()).catch(() => undefined).finally(() => signOut());
      };
      return <AgentWorkspace key={me.id} me={me} api={api} onSignOut={leave} onRefused={signOut} />;
    }
  }
}
