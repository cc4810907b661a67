import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { callerOf } from '../shared/http/directLineEdge';
import { edge, json, param } from '../shared/http/edge';
import { resumeConversation } from '../shared/usecases/directLine';

export const directLineConversationGet = edge(async (request) => {
  const s = await services();
  return json(200, await resumeConversation(s, callerOf(s, request), param(request, 'id'), request.query.get('watermark')));
});

registerHttp({ name: 'directLineConversationGet', methods: ['GET', 'OPTIONS'], route: 'directline/conversations/{id}', handler: directLineConversationGet, rateLimit: 'customer', cors: 'directLine' });
