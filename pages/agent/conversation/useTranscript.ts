import { useCallback, useEffect, useState } from 'react';
import type { WorkspaceApi } from '../../workspace/api';
import type { AgentAction } from '../../workspace/agentStore';
import type { MessagePage } from '../../workspace/contract';
import { messageOf } from '../../workspace/useSignIn';

/** The route gives at most 500 lines a page; most chats fit in one. */
const PAGE_SIZE = 500;

/**
 * Reads a chat's whole transcript (every page of GET …/messages) when it is shown and not read yet;
 * the stream's lines that came meanwhile stay (the store merges them).
 */
export function useTranscript(api: WorkspaceApi, agentId: string, conversationId: string | null, loaded: boolean, dispatch: (action: AgentAction) => void) {
  const [problem, setProblem] = useState<string>();
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    setProblem(undefined);
    if (!conversationId || loaded) return;
    let cancelled = false;
    (async () => {
      const pages: MessagePage[] = [];
      let after: string | undefined;
      do {
        const page = await api.listMessages(agentId, conversationId, { after, limit: PAGE_SIZE });
        pages.push(page);
        after = page.next ?? undefined;
      } while (after && !cancelled);
      if (!cancelled) dispatch({ type: 'transcriptLoaded', conversationId, pages });
    })().catch((error: unknown) => {
      if (!cancelled) setProblem(messageOf(error));
    });
    return () => {
      cancelled = true;
    };
  }, [api, agentId, conversationId, loaded, dispatch, attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { loading: !loaded && !problem, problem, retry };
}
