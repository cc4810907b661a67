import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { bearerToken, edge, json, param } from '../shared/http/edge';
import { authenticateAgent, listAgentConversations } from '../shared/usecases/agentDesk';

export const agentConversations = edge(async (request) => {
  const s = await services();
  const agent = authenticateAgent(s, param(request, 'agentId'), bearerToken(request));
  return json(200, { conversations: await listAgentConversations(s, agent) });
});

registerHttp({ name: 'agentConversations', methods: ['GET'], route: 'agents/{agentId}/conversations', handler: agentConversations });
