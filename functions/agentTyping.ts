import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json, param, readBody } from '../shared/http/edge';
import { emptyBody } from '../shared/http/schemas';
import { authenticateAgent, sendAgentTyping } from '../shared/usecases/agentDesk';

/** The agent is typing: the customer's chat shows it for a few seconds. No body; call again while typing (every 3 s). */
export const agentTyping = edge(async (request) => {
  const s = await services();
  const agent = authenticateAgent(s, param(request, 'agentId'), agentCredentials(request));
  await readBody(request, emptyBody, { allowEmpty: true });
  return json(202, await sendAgentTyping(s, agent, param(request, 'id')));
});

registerHttp({ name: 'agentTyping', methods: ['POST'], route: 'agents/{agentId}/conversations/{id}/typing', handler: agentTyping });
