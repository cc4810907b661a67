import { useCallback, useRef } from 'react';
import type { AgentAction } from '../workspace/agentStore';
import type { WorkspaceApi } from '../workspace/api';

/**
 * A line can reach the stream before the `conversation` event that makes its chat the agent's (another
 * writer appended it first). The store keeps such a line; this reads GET …/conversations so that its chat
 * joins the list even if that event is late, and the line is not left where no one sees it. One read at a
 * time; a line of an unknown chat that comes during a read asks for one more after it.
 */
export function useListRefresh(api: WorkspaceApi, agentId: string, dispatch: (action: AgentAction) => void): () => void {
  const reading = useRef(false);
  const again = useRef(false);

  const read = useCallback(async () => {
    reading.current = true;
    try {
      do {
        again.current = false;
        // A failed read is not retried here: the `conversation` event, or the next snapshot, brings the chat too.
        const conversations = await api.listConversations(agentId).catch(() => undefined);
        if (conversations) dispatch({ type: 'conversationsListed', conversations });
      } while (again.current);
    } finally {
      reading.current = false;
    }
  }, [api, agentId, dispatch]);

  return useCallback(() => {
    if (reading.current) again.current = true;
    else void read();
  }, [read]);
}
