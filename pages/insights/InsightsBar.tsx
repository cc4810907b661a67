import { Avatar, Button, Link, makeStyles, Text, tokens } from '@fluentui/react-components';
import { SignOutRegular } from '@fluentui/react-icons';

const useStyles = makeStyles({
  bar: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalM,
    minHeight: '48px',
    paddingInline: tokens.spacingHorizontalM,
    backgroundColor: tokens.colorNeutralBackground1,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    flexShrink: 0,
  },
  title: { margin: 0, whiteSpace: 'nowrap' },
  nav: { flexGrow: 1 },
  who: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS },
});

/** The page's header: its name, the way back to the supervisor's live view, who is signed in, and Sign out. */
export function InsightsBar({ name, compact, onSignOut }: { name: string; compact: boolean; onSignOut: () => void }) {
  const styles = useStyles();
  return (
    <header className={styles.bar}>
      <Text as="h1" weight="semibold" size={400} className={styles.title}>Insights</Text>
      <nav className={styles.nav} aria-label="Pages">
        <Link href="/supervisor">Supervisor</Link>
      </nav>
      <span className={styles.who}>
        <Avatar name={name} size={28} aria-hidden />
        {!compact && <Text>{name}</Text>}
      </span>
      <Button appearance="subtle" icon={<SignOutRegular />} onClick={onSignOut} aria-label={compact ? 'Sign out' : undefined}>
        {compact ? undefined : 'Sign out'}
      </Button>
    </header>
  );
}
