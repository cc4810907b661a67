export type MessageRole = 'customer' | 'bot' | 'agent' | 'system';

export interface TranscriptMessage {
  id: string;
  conversationId: string;
  role: MessageRole;
  /** Who wrote it: customer id, bot id or agent id; absent for system messages. */
  authorId?: string;
  text: string;
  timestamp: string;
  /** Escalation summaries and other agent-only notes never reach the customer. */
  visibility: 'everyone' | 'agents';
  attachments?: unknown[];
  suggestedActions?: unknown;
  /** A customer's event (Web Chat's SEND_EVENT); absent: a message. Events are kept so the client sees its echo, and go to a bot. */
  type?: 'event';
  /** The event's name. */
  name?: string;
  /** A customer's Adaptive Card submit (a message with a value and often no text), or an event's value. */
  value?: unknown;
  /** The customer client's channelData, given back with the message (Web Chat matches its echo by channelData.clientActivityID). */
  channelData?: Record<string, unknown>;
  /** Customer messages: which of the conversation's customer messages this is (1 for the first), the customerMessageCount that counts it. */
  ordinal?: number;
  /** Set when the author updated the message (Bot Framework UpdateActivity). */
  editedAt?: string;
  /** Set when the author deleted the message (DeleteActivity); the text is gone. */
  deletedAt?: string;
}
