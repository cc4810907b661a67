/** The subset of a Bot Framework activity Switchboard reads and writes (see the Bot Framework schema). */
export interface ChannelAccount {
  id: string;
  name?: string;
  role?: string;
}

export interface Attachment {
  contentType: string;
  contentUrl?: string;
  content?: unknown;
  name?: string;
}

export interface Activity {
  type: string;
  id?: string;
  name?: string;
  text?: string;
  value?: unknown;
  channelId?: string;
  serviceUrl?: string;
  timestamp?: string;
  locale?: string;
  replyToId?: string;
  deliveryMode?: string;
  conversation?: { id: string; name?: string };
  from?: ChannelAccount;
  recipient?: ChannelAccount;
  membersAdded?: ChannelAccount[];
  attachments?: Attachment[];
  suggestedActions?: unknown;
  channelData?: Record<string, unknown>;
  code?: string;
  [key: string]: unknown;
}
