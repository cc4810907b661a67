import { useEffect, useState } from 'react';
import type { WorkspaceApi } from '../../workspace/api';
import type { ConversationStatus, Message } from '../../workspace/contract';
import { messageOf } from '../../workspace/useSignIn';

/** The monitor reads the transcript again this often while it is open. */
export const MONITOR_REFRESH_MS = 2_000;
/** The route gives at most 500 lines a page; most chats fit in one. */
const PAGE_SIZE = 500;

export interface MonitoredTranscript {
  messages: Message[];
  /** The chat's status as the last read said (Closed once it ended). */
  status: ConversationStatus | null;
  loading: boolean;
  /** Why the last read failed; the next one is tried all the same. */
  problem: string | undefined;
}

/**
 * The monitored chat's whole transcript (GET /api/supervisor/conversations/{id}/messages, agent-only lines
 * included), read when the monitor opens and again every 2 s while it stays open. Reading is all it
 * does: the supervisor is never a participant.
 */
export function useMonitoredTranscript(api: WorkspaceApi, conversationId: string | null): MonitoredTranscript {
  const [transcript, setTranscript] = useState<MonitoredTranscript>({ messages: [], status: null, loading: true, problem: undefined });

  useEffect(() => {
    setTranscript({ messages: [], status: null, loading: true, problem: undefined });
    if (!conversationId) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = async () => {
      try {
        const messages: Message[] = [];
        let status: ConversationStatus | null = null;
        let after: string | undefined;
        do {
          const page = await api.listMonitoredMessages(conversationId, { after, limit: PAGE_SIZE });
          messages.push(...page.messages);
          status = page.status;
          after = page.next ?? undefined;
        } while (after && !stopped);
        if (!stopped) setTranscript({ messages, status, loading: false, problem: undefined });
      } catch (error) {
        if (!stopped) setTranscript((current) => ({ ...current, loading: false, problem: messageOf(error) }));
      }
      if (!stopped) timer = setTimeout(() => void read(), MONITOR_REFRESH_MS);
    };
    void read();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, conversationId]);

  return transcript;
}
