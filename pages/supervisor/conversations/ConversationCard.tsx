import { Card, makeStyles, Text, tokens } from '@fluentui/react-components';
import type { AgentBoardRow, ConversationBoardRow } from '../../workspace/contract';
import { boardStatus, chatClock } from '../../workspace/supervisorStore';
import { ChatClockText } from './ChatClockText';
import { ConversationActions, type ConversationActionKind } from './ConversationActions';
import { holderOf } from './conversationFacts';
import { StatusBadge } from './StatusBadge';

const useStyles = makeStyles({
  name: { margin: 0 },
  card: { padding: tokens.spacingHorizontalM, gap: tokens.spacingVerticalS },
  top: { display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: tokens.spacingHorizontalS },
  detail: { color: tokens.colorNeutralForeground2 },
});

export interface ConversationCardProps {
  row: ConversationBoardRow;
  agents: AgentBoardRow[];
  nowMs: number;
  onAction: (kind: ConversationActionKind, row: ConversationBoardRow) => void;
}

/** A chat on a narrow screen: who, where, with whom, for how long, and the actions with their names. */
export function ConversationCard({ row, agents, nowMs, onAction }: ConversationCardProps) {
  const styles = useStyles();
  return (
    <Card className={styles.card} role="group" aria-labelledby={`chat-${row.id}`}>
      <div className={styles.top}>
        <Text as="h3" weight="semibold" className={styles.name} id={`chat-${row.id}`}>{row.customer.name}</Text>
        <StatusBadge status={boardStatus(row)} />
      </div>
      <Text size={200} className={styles.detail}>{row.queue ?? 'No queue'} · {holderOf(row, agents, 'no agent yet')}</Text>
      <ChatClockText clock={chatClock(row, nowMs)} />
      <ConversationActions row={row} compact={false} onAction={onAction} />
    </Card>
  );
}
