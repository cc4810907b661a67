import { useEffect, useState } from 'react';
import type { WorkspaceApi } from '../../workspace/api';
import type { ConversationDetails } from '../../workspace/contract';
import { messageOf } from '../../workspace/useSignIn';

export type DetailsState = { kind: 'loading' } | { kind: 'ready'; details: ConversationDetails } | { kind: 'error'; message: string };

/**
 * The customer sidebar's data (GET …/conversations/{id}), read when the chat is shown and again when
 * its row changes (a status, a queue), since those change what the sidebar says.
 */
export function useConversationDetails(api: WorkspaceApi, agentId: string, conversationId: string | null, version: string): DetailsState {
  const [state, setState] = useState<DetailsState>({ kind: 'loading' });
  useEffect(() => {
    if (!conversationId) return;
    let cancelled = false;
    setState((previous) => (previous.kind === 'ready' && previous.details.id === conversationId ? previous : { kind: 'loading' }));
    api.getConversation(agentId, conversationId).then(
      (details) => !cancelled && setState({ kind: 'ready', details }),
      (error: unknown) => !cancelled && setState({ kind: 'error', message: messageOf(error) }),
    );
    return () => {
      cancelled = true;
    };
  }, [api, agentId, conversationId, version]);
  return state;
}
