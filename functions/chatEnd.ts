import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { bearerToken, edge, json, param, readBody } from '../shared/http/edge';
import { emptyBody } from '../shared/http/schemas';
import { endChat } from '../shared/usecases/customerChats';

export const chatEnd = edge(async (request) => {
  await readBody(request, emptyBody, { allowEmpty: true });
  return json(200, await endChat(await services(), param(request, 'id'), bearerToken(request)));
});

registerHttp({ name: 'chatEnd', methods: ['POST'], route: 'chats/{id}/end', handler: chatEnd, rateLimit: 'customer' });
