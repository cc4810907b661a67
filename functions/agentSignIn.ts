import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json, param, readBody } from '../shared/http/edge';
import { sessionBody } from '../shared/http/schemas';
import { authenticateAgent } from '../shared/usecases/agentDesk';
import { checkSessionId, signIn } from '../shared/usecases/agentWorkspace';

export const agentSignIn = edge(async (request) => {
  const s = await services();
  const agent = authenticateAgent(s, param(request, 'agentId'), agentCredentials(request));
  const { sessionId } = await readBody(request, sessionBody);
  return json(200, await signIn(s, agent, checkSessionId(sessionId)));
});

registerHttp({ name: 'agentSignIn', methods: ['POST'], route: 'agents/{agentId}/session', handler: agentSignIn });
