import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json, param, readBody } from '../shared/http/edge';
import { emptyBody } from '../shared/http/schemas';
import { authenticateAgent } from '../shared/usecases/agentDesk';
import { acceptOffer } from '../shared/usecases/agentOffers';

export const agentOfferAccept = edge(async (request) => {
  const s = await services();
  const agent = authenticateAgent(s, param(request, 'agentId'), agentCredentials(request));
  await readBody(request, emptyBody, { allowEmpty: true });
  return json(200, await acceptOffer(s, agent, param(request, 'conversationId')));
});

registerHttp({ name: 'agentOfferAccept', methods: ['POST'], route: 'agents/{agentId}/offers/{conversationId}/accept', handler: agentOfferAccept });
