import { makeStyles, Tab, tabClassNames, TabList, Text, tokens } from '@fluentui/react-components';
import type { ConversationRow } from '../../workspace/contract';
import { SessionItem } from './SessionItem';

const useStyles = makeStyles({
  root: {
    display: 'flex',
    flexDirection: 'column',
    minHeight: 0,
    height: '100%',
    backgroundColor: tokens.colorNeutralBackground2,
    borderRight: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  },
  heading: { padding: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalM}`, display: 'flex', justifyContent: 'space-between', alignItems: 'baseline' },
  hint: { color: tokens.colorNeutralForeground3 },
  list: { overflowY: 'auto', paddingInline: tokens.spacingHorizontalXS, paddingBottom: tokens.spacingVerticalM },
  // The tab's content is a whole card, as wide as the list.
  tab: { width: '100%', paddingBlock: tokens.spacingVerticalS, [`& .${tabClassNames.content}`]: { display: 'block', flexGrow: 1, width: '100%' } },
  empty: { padding: tokens.spacingHorizontalM, color: tokens.colorNeutralForeground3 },
});

export interface SessionListProps {
  conversations: ConversationRow[];
  unread: Record<string, number>;
  selectedId: string | null;
  onSelect: (conversationId: string) => void;
}

/**
 * The agent's chats, one tab each (D365's sessions panel): arrow keys move within the list, and Alt+↑ /
 * Alt+↓ switch chats from anywhere on the page (the workspace handles those).
 */
export function SessionList({ conversations, unread, selectedId, onSelect }: SessionListProps) {
  const styles = useStyles();
  return (
    <nav className={styles.root} aria-labelledby="sessions-heading">
      <div className={styles.heading}>
        <Text as="h2" id="sessions-heading" weight="semibold">My chats ({conversations.length})</Text>
        <Text size={100} className={styles.hint} aria-hidden>Alt+↑/↓</Text>
      </div>
      {conversations.length === 0 ? (
        <Text className={styles.empty}>No chats yet.</Text>
      ) : (
        <TabList
          vertical
          // A tab's content is a whole card: no hidden bold copy of it to reserve the selected width.
          reserveSelectedTabSpace={false}
          className={styles.list}
          selectedValue={selectedId ?? undefined}
          onTabSelect={(_, data) => onSelect(String(data.value))}
          aria-label="My chats"
        >
          {conversations.map((c) => (
            <Tab key={c.id} value={c.id} id={`session-${c.id}`} className={styles.tab}>
              <SessionItem conversation={c} unread={unread[c.id] ?? 0} />
            </Tab>
          ))}
        </TabList>
      )}
    </nav>
  );
}
