import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json, param, readBody } from '../shared/http/edge';
import { presenceBody } from '../shared/http/schemas';
import { setPresence } from '../shared/usecases/agentCapacity';
import { authenticateAgent } from '../shared/usecases/agentDesk';

export const agentPresence = edge(async (request) => {
  const s = await services();
  const agent = authenticateAgent(s, param(request, 'agentId'), agentCredentials(request));
  const { presence } = await readBody(request, presenceBody);
  return json(200, await setPresence(s, agent.id, presence));
});

registerHttp({ name: 'agentPresence', methods: ['PUT'], route: 'agents/{agentId}/presence', handler: agentPresence });
