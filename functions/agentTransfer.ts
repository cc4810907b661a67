import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json, param, readBody } from '../shared/http/edge';
import { transferBody } from '../shared/http/schemas';
import { authenticateAgent, transferConversation } from '../shared/usecases/agentDesk';

export const agentTransfer = edge(async (request) => {
  const s = await services();
  const agent = authenticateAgent(s, param(request, 'agentId'), agentCredentials(request));
  const { queue } = await readBody(request, transferBody);
  return json(200, await transferConversation(s, agent, param(request, 'id'), queue));
});

registerHttp({ name: 'agentTransfer', methods: ['POST'], route: 'agents/{agentId}/conversations/{id}/transfer', handler: agentTransfer });
