import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, param } from '../shared/http/edge';
import { eventStreamResponse } from '../shared/http/eventStream';
import { authenticateAgent } from '../shared/usecases/agentDesk';
import { agentSource } from '../shared/usecases/agentStream';
import { markWorkspaceSeen } from '../shared/usecases/agentWorkspace';

export const agentEvents = edge(async (request, context) => {
  const s = await services();
  const agent = authenticateAgent(s, param(request, 'agentId'), agentCredentials(request));
  const session = request.query.get('session') ?? undefined;
  return eventStreamResponse(request, context, agentSource(s, agent), { heartbeat: () => markWorkspaceSeen(s, agent, session) });
});

registerHttp({ name: 'agentEvents', methods: ['GET'], route: 'agents/{agentId}/events', handler: agentEvents, heldOpen: true });
