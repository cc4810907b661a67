import { Avatar, Button, makeStyles, Text, tokens, Tooltip } from '@fluentui/react-components';
import { SignOutRegular } from '@fluentui/react-icons';
import type { Presence } from '../workspace/contract';
import type { AlertSound } from './offers/alertSound';
import { SoundButton } from './offers/SoundButton';
import { PresenceMenu } from './presence/PresenceMenu';

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

export interface TopBarProps {
  agentName: string;
  presence: Presence;
  presences: Presence[];
  sound: AlertSound;
  compact: boolean;
  onPresence: (presence: Presence) => void;
  onSignOut: () => void;
}

/** The workspace's header: the page's name, sound, the agent's presence, who is signed in, and Sign out. */
export function TopBar({ agentName, presence, presences, sound, compact, onPresence, onSignOut }: TopBarProps) {
  const styles = useStyles();
  return (
    <header className={styles.bar}>
      <Text as="h1" weight="semibold" size={400} className={styles.title}>Agent workspace</Text>
      <SoundButton sound={sound} compact={compact} />
      <PresenceMenu presence={presence} presences={presences} compact={compact} onChange={onPresence} />
      <span className={styles.who}>
        <Avatar name={agentName} size={28} aria-hidden={!compact} />
        {!compact && <Text>{agentName}</Text>}
      </span>
      <Tooltip content="Sign out" relationship="label">
        <Button appearance="subtle" icon={<SignOutRegular />} onClick={onSignOut} />
      </Tooltip>
    </header>
  );
}
