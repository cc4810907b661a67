import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json, param } from '../shared/http/edge';
import { authenticateAgent } from '../shared/usecases/agentDesk';
import { listOffers } from '../shared/usecases/agentOffers';

/** The agent's live offers, each with its countdown (expiresAt). */
export const agentOffers = edge(async (request) => {
  const s = await services();
  const agent = authenticateAgent(s, param(request, 'agentId'), agentCredentials(request));
  return json(200, { offers: await listOffers(s, agent) });
});

registerHttp({ name: 'agentOffers', methods: ['GET'], route: 'agents/{agentId}/offers', handler: agentOffers });
