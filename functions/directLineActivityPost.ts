import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { callerOf } from '../shared/http/directLineEdge';
import { edge, json, param, readBody } from '../shared/http/edge';
import { incomingActivityBody } from '../shared/http/schemas';
import { postActivity } from '../shared/usecases/directLine';

export const directLineActivityPost = edge(async (request) => {
  const s = await services();
  const caller = callerOf(s, request);
  return json(200, await postActivity(s, caller, param(request, 'id'), await readBody(request, incomingActivityBody)));
});

registerHttp({ name: 'directLineActivityPost', methods: ['POST'], route: 'directline/conversations/{id}/activities', handler: directLineActivityPost, rateLimit: 'customer', cors: 'directLine' });
