import { makeStyles, Text, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import type { AgentBoardRow, ConversationBoardRow } from '../../workspace/contract';
import { filterConversations, hasFilters, type ConversationFilters } from '../../workspace/supervisorStore';
import { BoardSection } from '../BoardSection';
import type { SupervisorActions } from '../useSupervisorActions';
import { AssignDialog } from './AssignDialog';
import type { ConversationActionKind } from './ConversationActions';
import { ConversationCard } from './ConversationCard';
import { chatOf } from './conversationFacts';
import { ConversationFiltersBar } from './ConversationFiltersBar';
import { ConversationTable } from './ConversationTable';
import { ForceCloseDialog } from './ForceCloseDialog';
import { TransferDialog } from './TransferDialog';

const useStyles = makeStyles({
  cards: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  empty: { color: tokens.colorNeutralForeground3, paddingBlock: tokens.spacingVerticalL, textAlign: 'center' },
  count: { color: tokens.colorNeutralForeground3 },
});

type OpenDialog = { kind: 'assign' | 'transfer' | 'forceClose'; row: ConversationBoardRow };

export interface ConversationBoardProps {
  conversations: ConversationBoardRow[];
  agents: AgentBoardRow[];
  queues: string[];
  nowMs: number;
  asCards: boolean;
  actions: SupervisorActions;
  onMonitor: (row: ConversationBoardRow) => void;
  className?: string;
}

/**
 * Every ongoing chat (bots' included), filtered, with the supervisor's actions. A dialog keeps the chat it
 * was opened for even when the chat moves on meanwhile (then the server's refusal says what happened).
 */
export function ConversationBoard({ conversations, agents, queues, nowMs, asCards, actions, onMonitor, className }: ConversationBoardProps) {
  const styles = useStyles();
  const [filters, setFilters] = useState<ConversationFilters>({});
  const [dialog, setDialog] = useState<OpenDialog | null>(null);
  const shown = filterConversations(conversations, filters, nowMs);

  const onAction = (kind: ConversationActionKind, row: ConversationBoardRow) => {
    if (kind === 'monitor') return onMonitor(row);
    actions.clearProblem();
    setDialog({ kind, row });
  };
  const close = () => setDialog(null);
  const finish = (applied: boolean) => {
    if (applied) close();
  };
  // The chat as it is now, while it is still on the board.
  const live = dialog ? (conversations.find((c) => c.id === dialog.row.id) ?? dialog.row) : null;
  const nameOf = (agentId: string) => agents.find((a) => a.id === agentId)?.name ?? agentId;

  return (
    <BoardSection id="chats" title="Ongoing chats" hint={`${conversations.length} not closed, bots' included`} flat={asCards} className={className}>
      <ConversationFiltersBar filters={filters} queues={queues} agents={agents} onChange={setFilters} />
      {shown.length === 0 ? (
        <Text className={styles.empty} role="status">
          {conversations.length === 0 ? 'No ongoing chats. New ones show here as they start.' : 'No chat matches these filters.'}
        </Text>
      ) : asCards ? (
        <div className={styles.cards}>
          {shown.map((row) => <ConversationCard key={row.id} row={row} agents={agents} nowMs={nowMs} onAction={onAction} />)}
        </div>
      ) : (
        <ConversationTable conversations={shown} agents={agents} nowMs={nowMs} onAction={onAction} />
      )}
      {hasFilters(filters) && shown.length > 0 && <Text size={200} className={styles.count}>{shown.length} of {conversations.length} shown</Text>}

      {dialog && live && dialog.kind === 'assign' && (
        <AssignDialog
          row={live}
          agents={agents}
          busy={actions.busy}
          problem={actions.problem}
          onCancel={close}
          onAssign={(agentId) => void actions.assign(live.id, agentId, `${chatOf(live)} is assigned to ${nameOf(agentId)}.`).then(finish)}
        />
      )}
      {dialog && live && dialog.kind === 'transfer' && (
        <TransferDialog
          row={live}
          queues={queues}
          agents={agents}
          busy={actions.busy}
          problem={actions.problem}
          onCancel={close}
          onTransfer={(to) => void actions.transfer(live.id, to, `${chatOf(live)} is transferred to ${'queue' in to ? to.queue : nameOf(to.agentId)}.`).then(finish)}
        />
      )}
      {dialog && live && dialog.kind === 'forceClose' && (
        <ForceCloseDialog
          row={live}
          busy={actions.busy}
          problem={actions.problem}
          onCancel={close}
          onConfirm={() => void actions.forceClose(live.id, `${chatOf(live)} is closed.`).then(finish)}
        />
      )}
    </BoardSection>
  );
}
