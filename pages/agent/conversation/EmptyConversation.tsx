import { makeStyles, Text, Title3, tokens } from '@fluentui/react-components';
import { ChatEmptyRegular } from '@fluentui/react-icons';
import type { Presence } from '../../workspace/contract';
import { PRESENCE_LABELS } from '../../workspace/format';

const useStyles = makeStyles({
  root: {
    height: '100%',
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    justifyContent: 'center',
    gap: tokens.spacingVerticalM,
    padding: tokens.spacingHorizontalXXL,
    textAlign: 'center',
    backgroundColor: tokens.colorNeutralBackground2,
    color: tokens.colorNeutralForeground2,
  },
  icon: { fontSize: '48px', color: tokens.colorBrandForeground1 },
});

/** What the centre says with no chat on screen: nothing yet (and whether chats will come), or pick one. */
export function EmptyConversation({ presence, hasChats }: { presence: Presence; hasChats: boolean }) {
  const styles = useStyles();
  const [title, text] = hasChats
    ? ['Pick a chat', 'Choose one from the list, or use Alt+↑ and Alt+↓.']
    : presence === 'Available'
      ? ["You're Available — new chats will appear here", 'An incoming chat rings and shows at the top right, with Accept and a countdown.']
      : presence === 'Offline'
        ? ["You're Offline — no chats will come", 'Set yourself Available to get chats.']
        : [`You're ${PRESENCE_LABELS[presence]}`, 'New chats come only in the presences your workstream allows; Available always does.'];
  return (
    <div className={styles.root}>
      <ChatEmptyRegular className={styles.icon} aria-hidden />
      <Title3 as="h2">{title}</Title3>
      <Text>{text}</Text>
    </div>
  );
}
