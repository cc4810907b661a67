import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { callerOf } from '../shared/http/directLineEdge';
import { edge, json, readBody } from '../shared/http/edge';
import { startConversationBody } from '../shared/http/schemas';
import { startConversation } from '../shared/usecases/directLine';

export const directLineConversationsStart = edge(async (request) => {
  const s = await services();
  const caller = callerOf(s, request);
  const { created, answer } = await startConversation(s, caller, await readBody(request, startConversationBody, { allowEmpty: true }));
  return json(created ? 201 : 200, answer);
});

registerHttp({ name: 'directLineConversationsStart', methods: ['POST', 'OPTIONS'], route: 'directline/conversations', handler: directLineConversationsStart, rateLimit: 'customer', cors: 'directLine' });
