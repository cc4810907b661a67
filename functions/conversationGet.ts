import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { edge, json, param } from '../shared/http/edge';
import { getConversationView } from '../shared/usecases/conversationView';

export const conversationGet = edge(async (request) => {
  return json(200, await getConversationView(await services(), param(request, 'id')));
});

registerHttp({ name: 'conversationGet', methods: ['GET'], route: 'conversations/{id}', authLevel: 'function', handler: conversationGet });
