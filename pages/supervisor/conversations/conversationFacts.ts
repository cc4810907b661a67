import type { AgentBoardRow, ConversationBoardRow } from '../../workspace/contract';

/** Who has the chat, in words: the agent or bot holding it, the agent it is offered to, or nobody yet. */
export function holderOf(row: ConversationBoardRow, agents: readonly AgentBoardRow[], nobody = '—'): string {
  if (row.assignee) return row.assignee.kind === 'bot' ? `${row.assignee.name} (bot)` : row.assignee.name;
  if (row.offeredTo) return `offered to ${agents.find((a) => a.id === row.offeredTo)?.name ?? row.offeredTo}`;
  return nobody;
}

/** "Dana's chat": how dialogs and buttons name a chat. */
export const chatOf = (row: ConversationBoardRow) => `${row.customer.name}'s chat`;
