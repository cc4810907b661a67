import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json, param, readBody } from '../shared/http/edge';
import { emptyBody } from '../shared/http/schemas';
import { authenticateSupervisor, forceCloseConversation } from '../shared/usecases/supervisorDesk';

/** Force close: any status but Closed. */
export const supervisorClose = edge(async (request) => {
  const s = await services();
  const supervisor = authenticateSupervisor(s, agentCredentials(request));
  await readBody(request, emptyBody, { allowEmpty: true });
  return json(200, await forceCloseConversation(s, supervisor, param(request, 'id')));
});

registerHttp({ name: 'supervisorClose', methods: ['POST'], route: 'supervisor/conversations/{id}/close', handler: supervisorClose });
