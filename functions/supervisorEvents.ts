import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { agentCredentials } from '../shared/http/agentEdge';
import { edge } from '../shared/http/edge';
import { eventStreamResponse } from '../shared/http/eventStream';
import { authenticateSupervisor } from '../shared/usecases/supervisorDesk';
import { supervisorSource } from '../shared/usecases/supervisorStream';

export const supervisorEvents = edge(async (request, context) => {
  const s = await services();
  authenticateSupervisor(s, agentCredentials(request));
  return eventStreamResponse(request, context, supervisorSource(s));
});

registerHttp({ name: 'supervisorEvents', methods: ['GET'], route: 'supervisor/events', handler: supervisorEvents, heldOpen: true });
