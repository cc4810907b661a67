import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json, param, readBody } from '../shared/http/edge';
import { supervisorAssignBody } from '../shared/http/schemas';
import { assignConversation, authenticateSupervisor } from '../shared/usecases/supervisorDesk';

export const supervisorAssign = edge(async (request) => {
  const s = await services();
  const supervisor = authenticateSupervisor(s, agentCredentials(request));
  const { agentId } = await readBody(request, supervisorAssignBody);
  return json(200, await assignConversation(s, supervisor, param(request, 'id'), agentId));
});

registerHttp({ name: 'supervisorAssign', methods: ['POST'], route: 'supervisor/conversations/{id}/assign', handler: supervisorAssign });
