import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json, param } from '../shared/http/edge';
import { authenticateAgent } from '../shared/usecases/agentDesk';
import { workspaceSnapshot } from '../shared/usecases/agentWorkspace';

export const agentWorkspace = edge(async (request) => {
  const s = await services();
  const agent = authenticateAgent(s, param(request, 'agentId'), agentCredentials(request));
  return json(200, await workspaceSnapshot(s, agent));
});

registerHttp({ name: 'agentWorkspace', methods: ['GET'], route: 'agents/{agentId}/workspace', handler: agentWorkspace });
