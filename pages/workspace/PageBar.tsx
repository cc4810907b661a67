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
  title: { margin: 0, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' },
  nav: { flexGrow: 1 },
  who: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS },
});

export interface PageBarProps {
  /** The page's name, its heading. */
  title: string;
  /** The way to its sibling page (the supervisor's live view and the insights over time link to each other). */
  link: { href: string; label: string };
  /** Who is signed in. */
  name: string;
  compact: boolean;
  onSignOut: () => void;
}

/** A supervisor page's header: its name, the way to the other one, who is signed in, and Sign out. */
export function PageBar({ title, link, name, compact, onSignOut }: PageBarProps) {
  const styles = useStyles();
  return (
    <header className={styles.bar}>
      <Text as="h1" weight="semibold" size={400} className={styles.title}>{title}</Text>
      <nav className={styles.nav} aria-label="Pages">
        <Link href={link.href}>{link.label}</Link>
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
