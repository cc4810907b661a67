import { Avatar, Button, makeStyles, Text, tokens } from '@fluentui/react-components';
import { SignOutRegular } from '@fluentui/react-icons';

const useStyles = makeStyles({
  bar: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    minHeight: '48px',
    paddingInline: tokens.spacingHorizontalM,
    backgroundColor: tokens.colorNeutralBackground1,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    flexShrink: 0,
  },
  title: { flexGrow: 1, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' },
  who: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS },
});

/** The view's header: its name, who is signed in, and Sign out. */
export function SupervisorBar({ name, compact, onSignOut }: { name: string; compact: boolean; onSignOut: () => void }) {
  const styles = useStyles();
  return (
    <header className={styles.bar}>
      <Text as="h1" weight="semibold" size={400} className={styles.title}>Supervisor</Text>
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
