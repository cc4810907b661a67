import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json, param, readBody } from '../shared/http/edge';
import { emptyBody } from '../shared/http/schemas';
import { authenticateAgent, closeConversation } from '../shared/usecases/agentDesk';

export const agentClose = edge(async (request) => {
  const s = await services();
  const agent = authenticateAgent(s, param(request, 'agentId'), agentCredentials(request));
  await readBody(request, emptyBody, { allowEmpty: true });
  return json(200, await closeConversation(s, agent, param(request, 'id')));
});

registerHttp({ name: 'agentClose', methods: ['POST'], route: 'agents/{agentId}/conversations/{id}/close', handler: agentClose });
