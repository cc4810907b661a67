import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json, param, readBody } from '../shared/http/edge';
import { messageBody } from '../shared/http/schemas';
import { authenticateAgent, sendAgentMessage } from '../shared/usecases/agentDesk';

export const agentMessage = edge(async (request) => {
  const s = await services();
  const agent = authenticateAgent(s, param(request, 'agentId'), agentCredentials(request));
  const input = await readBody(request, messageBody);
  return json(202, await sendAgentMessage(s, agent, param(request, 'id'), input));
});

registerHttp({ name: 'agentMessage', methods: ['POST'], route: 'agents/{agentId}/conversations/{id}/messages', handler: agentMessage });
