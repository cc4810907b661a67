import { useCallback, useMemo, useState } from 'react';
import { isApiError, type WorkspaceApi } from '../workspace/api';
import type { AgentAction } from '../workspace/agentStore';
import type { Offer, Presence } from '../workspace/contract';
import { messageOf } from '../workspace/useSignIn';
import type { ReplyMode } from './conversation/ReplyBox';

export type Say = (text: string, intent: 'success' | 'info' | 'warning' | 'error') => void;

/** An answer to an offer that came too late: what to tell the agent. */
const OFFER_GONE: Record<string, string> = {
  OfferExpired: 'The offer expired before your answer arrived.',
  OfferRejected: 'You had already rejected this chat.',
  OfferWithdrawn: 'The chat is no longer offered to you: the customer left or it moved on.',
};

/**
 * What the agent does, as calls of the API client, and what the page shows for each answer. Results
 * that change what is on screen (a chat that became the agent's, a message's echo) come back on the
 * live stream; an action only marks what is on its way and says what failed.
 */
export function useAgentActions(api: WorkspaceApi, agentId: string, dispatch: (action: AgentAction) => void, say: Say) {
  const [answering, setAnswering] = useState<ReadonlySet<string>>(new Set());
  const mark = useCallback((conversationId: string, busy: boolean) => {
    setAnswering((current) => {
      const next = new Set(current);
      if (busy) next.add(conversationId);
      else next.delete(conversationId);
      return next;
    });
  }, []);

  const answer = useCallback(async (offer: Offer, accept: boolean) => {
    mark(offer.conversationId, true);
    try {
      if (accept) await api.acceptOffer(agentId, offer.conversationId);
      else await api.rejectOffer(agentId, offer.conversationId);
      dispatch({ type: 'offerAnswered', conversationId: offer.conversationId, offeredAt: offer.offeredAt });
      if (accept) dispatch({ type: 'select', conversationId: offer.conversationId });
    } catch (error) {
      const gone = isApiError(error) ? OFFER_GONE[error.code] : undefined;
      if (gone) dispatch({ type: 'offerAnswered', conversationId: offer.conversationId, offeredAt: offer.offeredAt, notice: gone });
      else say(`Could not ${accept ? 'accept' : 'reject'} the chat: ${messageOf(error)}`, 'error');
    } finally {
      mark(offer.conversationId, false);
    }
  }, [api, agentId, dispatch, say, mark]);

  return useMemo(() => ({
    answering,

    async setPresence(presence: Presence) {
      try {
        const answer = await api.replacePresence(agentId, presence);
        dispatch({ type: 'presenceChanged', presence: answer.presence });
      } catch (error) {
        say(`Your presence was not changed: ${messageOf(error)}`, 'error');
      }
    },

    accept: (offer: Offer) => answer(offer, true),
    reject: (offer: Offer) => answer(offer, false),

    async send(conversationId: string, text: string, mode: ReplyMode) {
      const id = crypto.randomUUID();
      const visibility = mode === 'note' ? 'agents' : 'everyone';
      dispatch({ type: 'sending', conversationId, message: { id, role: 'agent', text, timestamp: new Date(Date.now() + api.clockOffsetMs).toISOString(), visibility, authorId: agentId } });
      try {
        if (mode === 'note') await api.createNote(agentId, conversationId, { text, id });
        else await api.createMessage(agentId, conversationId, { text, id });
      } catch (error) {
        dispatch({ type: 'sendFailed', conversationId, messageId: id, reason: messageOf(error) });
      }
    },

    typing(conversationId: string) {
      // A lost typing signal costs nothing: the next keystrokes send another.
      api.sendTyping(agentId, conversationId).catch(() => undefined);
    },

    async transfer(conversationId: string, queue: string) {
      try {
        await api.transferConversation(agentId, conversationId, queue);
        say(`Transferred to ${queue}.`, 'success');
      } catch (error) {
        say(`The chat was not transferred: ${messageOf(error)}`, 'error');
      }
    },

    /** Resolves to whether the chat is now in wrap-up (so Close may follow). */
    async end(conversationId: string): Promise<boolean> {
      try {
        await api.endConversation(agentId, conversationId);
        return true;
      } catch (error) {
        say(`The chat was not ended: ${messageOf(error)}`, 'error');
        return false;
      }
    },

    async close(conversationId: string) {
      try {
        await api.closeConversation(agentId, conversationId);
      } catch (error) {
        say(`The chat was not closed: ${messageOf(error)}`, 'error');
      }
    },
  }), [api, agentId, dispatch, say, answer, answering]);
}
