import { makeStyles, Text, Title3, tokens, Button } from '@fluentui/react-components';
import { useEffect } from 'react';
import { SignInScreen } from '../workspace/SignInScreen';
import { StatusScreen } from '../workspace/StatusScreen';
import { useSignIn } from '../workspace/useSignIn';

const PAGE_PATH = '/supervisor';

const useStyles = makeStyles({
  bar: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    minHeight: '48px',
    paddingInline: tokens.spacingHorizontalM,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  },
  title: { flexGrow: 1 },
  body: { padding: tokens.spacingHorizontalXXL, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

/**
 * `/supervisor`: signed in with the same sign-in as the agent page (workspace/), for users with the
 * supervisor role. The view itself (queues, agents, ongoing chats with Assign / Transfer / Force
 * close, over GET /api/supervisor/overview and its stream) is built on this shell.
 */
export function SupervisorPage() {
  const styles = useStyles();
  const { state, signIn, signOut, retry } = useSignIn(PAGE_PATH);

  useEffect(() => {
    document.title = state.kind === 'signedIn' ? 'Supervisor' : 'Sign in · Supervisor';
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
      return (
        <>
          <header className={styles.bar}>
            <Text as="h1" weight="semibold" size={400} className={styles.title}>Supervisor</Text>
            <Text>{state.me.name}</Text>
            <Button appearance="subtle" onClick={() => signOut()}>Sign out</Button>
          </header>
          <main className={styles.body}>
            {state.me.roles.includes('supervisor') ? (
              <Title3 as="h2">Queues, agents and ongoing chats will show here.</Title3>
            ) : (
              <Title3 as="h2">{state.me.name} is not a supervisor: this view is for users with the supervisor role.</Title3>
            )}
          </main>
        </>
      );
  }
}
