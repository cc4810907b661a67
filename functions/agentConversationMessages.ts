import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json, param } from '../shared/http/edge';
import { pageQuery } from '../shared/http/pageQuery';
import { authenticateAgent, listAgentMessages } from '../shared/usecases/agentDesk';

/** One page of a chat's transcript, for the agent holding it: `?after=<next>&limit=<1..500>`. */
export const agentConversationMessages = edge(async (request) => {
  const s = await services();
  const agent = authenticateAgent(s, param(request, 'agentId'), agentCredentials(request));
  return json(200, await listAgentMessages(s, agent, param(request, 'id'), pageQuery(request)));
});

registerHttp({ name: 'agentConversationMessages', methods: ['GET'], route: 'agents/{agentId}/conversations/{id}/messages', handler: agentConversationMessages });
