import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { bearerToken, edge, json, param } from '../shared/http/edge';
import { getCustomerChat } from '../shared/usecases/customerChats';

export const chatGet = edge(async (request) => {
  return json(200, await getCustomerChat(await services(), param(request, 'id'), bearerToken(request)));
});

registerHttp({ name: 'chatGet', methods: ['GET'], route: 'chats/{id}', handler: chatGet, rateLimit: 'customer' });
