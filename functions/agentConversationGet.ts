import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json, param } from '../shared/http/edge';
import { authenticateAgent } from '../shared/usecases/agentDesk';
import { conversationDetails } from '../shared/usecases/agentWorkspace';

export const agentConversationGet = edge(async (request) => {
  const s = await services();
  const agent = authenticateAgent(s, param(request, 'agentId'), agentCredentials(request));
  return json(200, await conversationDetails(s, agent, param(request, 'id')));
});

registerHttp({ name: 'agentConversationGet', methods: ['GET'], route: 'agents/{agentId}/conversations/{id}', handler: agentConversationGet });
