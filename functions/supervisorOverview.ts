import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge, json } from '../shared/http/edge';
import { supervisorOverview as overviewOf } from '../shared/usecases/supervisorBoards';
import { authenticateSupervisor } from '../shared/usecases/supervisorDesk';

/** The supervisor's snapshot: queues with their real-time KPIs, agents, ongoing chats, and the cursor its stream resumes from. */
export const supervisorOverview = edge(async (request) => {
  const s = await services();
  authenticateSupervisor(s, agentCredentials(request));
  return json(200, await overviewOf(s));
});

registerHttp({ name: 'supervisorOverview', methods: ['GET'], route: 'supervisor/overview', handler: supervisorOverview });
