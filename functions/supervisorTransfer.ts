import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json, param, readBody } from '../shared/http/edge';
import { supervisorTransferBody } from '../shared/http/schemas';
import { authenticateSupervisor, transferConversation } from '../shared/usecases/supervisorDesk';

export const supervisorTransfer = edge(async (request) => {
  const s = await services();
  const supervisor = authenticateSupervisor(s, agentCredentials(request));
  const target = await readBody(request, supervisorTransferBody);
  return json(200, await transferConversation(s, supervisor, param(request, 'id'), target));
});

registerHttp({ name: 'supervisorTransfer', methods: ['POST'], route: 'supervisor/conversations/{id}/transfer', handler: supervisorTransfer });
