import { makeStyles, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow } from '@fluentui/react-components';
import type { AgentBoardRow, ConversationBoardRow } from '../../workspace/contract';
import { boardStatus, chatClock } from '../../workspace/supervisorStore';
import { ChatClockText } from './ChatClockText';
import { ConversationActions, type ConversationActionKind } from './ConversationActions';
import { holderOf } from './conversationFacts';
import { StatusBadge } from './StatusBadge';

const useStyles = makeStyles({
  scroll: { overflowX: 'auto' },
  table: { minWidth: '700px', tableLayout: 'auto' },
  nowrap: { whiteSpace: 'nowrap' },
  actions: { width: '152px' },
});

export interface ConversationTableProps {
  conversations: ConversationBoardRow[];
  agents: AgentBoardRow[];
  nowMs: number;
  onAction: (kind: ConversationActionKind, row: ConversationBoardRow) => void;
}

/** D365's Ongoing conversations: one row a chat, with its wait or handle time ticking and the actions. */
export function ConversationTable({ conversations, agents, nowMs, onAction }: ConversationTableProps) {
  const styles = useStyles();
  return (
    <div className={styles.scroll}>
      <Table size="small" aria-label="Ongoing chats" className={styles.table}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Customer</TableHeaderCell>
            <TableHeaderCell>Queue</TableHeaderCell>
            <TableHeaderCell>Status</TableHeaderCell>
            <TableHeaderCell>Agent</TableHeaderCell>
            <TableHeaderCell>Time</TableHeaderCell>
            <TableHeaderCell className={styles.actions}>Actions</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {conversations.map((row) => (
            <TableRow key={row.id}>
              <TableHeaderCell scope="row" className={styles.nowrap}>{row.customer.name}</TableHeaderCell>
              <TableCell className={styles.nowrap}>{row.queue ?? '—'}</TableCell>
              <TableCell><StatusBadge status={boardStatus(row)} /></TableCell>
              <TableCell className={styles.nowrap}>{holderOf(row, agents)}</TableCell>
              <TableCell><ChatClockText clock={chatClock(row, nowMs)} /></TableCell>
              <TableCell><ConversationActions row={row} compact onAction={onAction} /></TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
