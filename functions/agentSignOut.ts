import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json, param } from '../shared/http/edge';
import { authenticateAgent } from '../shared/usecases/agentDesk';
import { checkSessionId, signOut } from '../shared/usecases/agentWorkspace';

export const agentSignOut = edge(async (request) => {
  const s = await services();
  const agent = authenticateAgent(s, param(request, 'agentId'), agentCredentials(request));
  return json(200, await signOut(s, agent, checkSessionId(param(request, 'sessionId'))));
});

registerHttp({ name: 'agentSignOut', methods: ['DELETE'], route: 'agents/{agentId}/session/{sessionId}', handler: agentSignOut });
