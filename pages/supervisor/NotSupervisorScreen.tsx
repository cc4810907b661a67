import { Button, Card, Link, makeStyles, Text, Title2, tokens } from '@fluentui/react-components';
import { ShieldLockRegular } from '@fluentui/react-icons';

const useStyles = makeStyles({
  root: {
    flexGrow: 1,
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    padding: tokens.spacingHorizontalL,
    backgroundColor: tokens.colorNeutralBackground2,
    overflowY: 'auto',
  },
  card: { width: '100%', maxWidth: '28rem', padding: tokens.spacingHorizontalXXL, gap: tokens.spacingVerticalL },
  icon: { fontSize: '40px', color: tokens.colorPaletteMarigoldForeground1 },
  title: { margin: 0 },
  hint: { color: tokens.colorNeutralForeground2 },
  actions: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'center', flexWrap: 'wrap' },
});

export interface NotSupervisorScreenProps {
  name: string;
  /** The server's words for the refusal. */
  reason: string;
  onSignOut: () => void;
}

/** Signed in, but the supervisor's routes answer 403: say who is signed in and what would let them in. */
export function NotSupervisorScreen({ name, reason, onSignOut }: NotSupervisorScreenProps) {
  const styles = useStyles();
  return (
    <main className={styles.root}>
      <Card className={styles.card}>
        <ShieldLockRegular className={styles.icon} aria-hidden />
        <Title2 as="h1" className={styles.title}>{name} is not a supervisor</Title2>
        <Text>You are signed in as {name}, who is not a supervisor: this view is for users with the supervisor role.</Text>
        <Text size={200} className={styles.hint}>Switchboard said: {reason}</Text>
        <div className={styles.actions}>
          <Button appearance="primary" onClick={onSignOut}>Sign out</Button>
          <Link href="/agent">Open the agent workspace</Link>
        </div>
      </Card>
    </main>
  );
}
