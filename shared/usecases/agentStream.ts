import type { AgentUser } from '../core/config';
import { agentScope } from '../core/feed';
import type { TranscriptMessage } from '../core/transcript';
import { withFreshFileLinks } from './fileLinks';
import { feedSource, type LiveEvent, type LiveSource } from './liveStream';
import type { Services } from './services';

/**
 * The agent's stream (GET /api/agents/{agentId}/events): the agent's feed as it is stored, except that a
 * customer's attachments get links signed now (a stored link would have expired by the time it is read).
 */
export function agentSource(s: Services, agent: AgentUser): LiveSource {
  const feed = feedSource(s, agentScope(agent.id));
  return {
    async open(cursor) {
      const reader = await feed.open(cursor);
      return {
        get cursor() {
          return reader.cursor;
        },
        async next(options) {
          const batch = await reader.next(options);
          return { ...batch, events: batch.events.map((event) => withSignedLinks(s, agent, event)) };
        },
      };
    },
  };
}

function withSignedLinks(s: Services, agent: AgentUser, event: LiveEvent): LiveEvent {
  if (event.type !== 'message') return event;
  const data = event.data as { conversationId: string; message: Omit<TranscriptMessage, 'conversationId'> };
  if (!data.message.attachments?.length) return event;
  const signed = withFreshFileLinks(s, { ...data.message, conversationId: data.conversationId });
  return { ...event, data: { ...data, message: { ...data.message, attachments: signed.attachments } } };
}
