import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json, param } from '../shared/http/edge';
import { authenticateAgent, listAgentConversations } from '../shared/usecases/agentDesk';

export const agentConversations = edge(async (request) => {
  const s = await services();
  const agent = authenticateAgent(s, param(request, 'agentId'), agentCredentials(request));
  return json(200, { conversations: await listAgentConversations(s, agent) });
});

registerHttp({ name: 'agentConversations', methods: ['GET'], route: 'agents/{agentId}/conversations', handler: agentConversations });
