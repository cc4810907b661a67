import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json } from '../shared/http/edge';
import { describeAgent, identifyAgent } from '../shared/usecases/agentDesk';

/** Who the credentials name (any agent or supervisor): the pages start here. */
export const me = edge(async (request) => {
  const s = await services();
  return json(200, describeAgent(s, identifyAgent(s, agentCredentials(request))));
});

registerHttp({ name: 'me', methods: ['GET'], route: 'me', handler: me });
