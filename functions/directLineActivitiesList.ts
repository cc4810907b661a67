import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { callerOf } from '../shared/http/directLineEdge';
import { edge, json, param } from '../shared/http/edge';
import { listActivities } from '../shared/usecases/directLine';

export const directLineActivitiesList = edge(async (request) => {
  const s = await services();
  return json(200, await listActivities(s, callerOf(s, request), param(request, 'id'), request.query.get('watermark')));
});

registerHttp({ name: 'directLineActivitiesList', methods: ['GET', 'OPTIONS'], route: 'directline/conversations/{id}/activities', handler: directLineActivitiesList, rateLimit: 'directLinePoll', cors: 'directLine', heldOpen: true });
