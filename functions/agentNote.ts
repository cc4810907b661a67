import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json, param, readBody } from '../shared/http/edge';
import { messageBody } from '../shared/http/schemas';
import { authenticateAgent, sendAgentNote } from '../shared/usecases/agentDesk';

export const agentNote = edge(async (request) => {
  const s = await services();
  const agent = authenticateAgent(s, param(request, 'agentId'), agentCredentials(request));
  const input = await readBody(request, messageBody);
  return json(202, await sendAgentNote(s, agent, param(request, 'id'), input));
});

registerHttp({ name: 'agentNote', methods: ['POST'], route: 'agents/{agentId}/conversations/{id}/notes', handler: agentNote });
