import { useCallback, useMemo, useState } from 'react';
import type { WorkspaceApi } from '../workspace/api';
import { messageOf } from '../workspace/useSignIn';

export type Say = (text: string, intent: 'success' | 'error') => void;

/**
 * The supervisor's actions as calls of the API client. What they change on screen comes back on the
 * live stream; an action only says it is on its way (`busy`) and, when refused, the server's reason
 * (`problem`, shown in the dialog that asked). Each resolves to whether it was applied.
 */
export function useSupervisorActions(api: WorkspaceApi, say: Say) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();

  const run = useCallback(async (call: () => Promise<unknown>, done: string): Promise<boolean> => {
    setBusy(true);
    setProblem(undefined);
    try {
      await call();
      say(done, 'success');
      return true;
    } catch (error) {
      setProblem(messageOf(error));
      return false;
    } finally {
      setBusy(false);
    }
  }, [say]);

  return useMemo(() => ({
    busy,
    problem,
    clearProblem: () => setProblem(undefined),
    assign: (conversationId: string, agentId: string, said: string) => run(() => api.assignConversation(conversationId, agentId), said),
    transfer: (conversationId: string, to: { queue: string } | { agentId: string }, said: string) => run(() => api.moveConversation(conversationId, to), said),
    forceClose: (conversationId: string, said: string) => run(() => api.forceCloseConversation(conversationId), said),
  }), [api, busy, problem, run]);
}

export type SupervisorActions = ReturnType<typeof useSupervisorActions>;
