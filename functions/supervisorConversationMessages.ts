import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json, param } from '../shared/http/edge';
import { pageQuery } from '../shared/http/pageQuery';
import { authenticateSupervisor, monitorConversation } from '../shared/usecases/supervisorDesk';

/** Monitor: one page of any chat's transcript, read-only: `?after=<next>&limit=<1..500>`. */
export const supervisorConversationMessages = edge(async (request) => {
  const s = await services();
  authenticateSupervisor(s, agentCredentials(request));
  return json(200, await monitorConversation(s, param(request, 'id'), pageQuery(request)));
});

registerHttp({ name: 'supervisorConversationMessages', methods: ['GET'], route: 'supervisor/conversations/{id}/messages', handler: supervisorConversationMessages });
