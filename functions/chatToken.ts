import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { bearerToken, edge, json, param, readBody } from '../shared/http/edge';
import { emptyBody } from '../shared/http/schemas';
import { refreshCustomerToken } from '../shared/usecases/customerChats';

export const chatToken = edge(async (request) => {
  await readBody(request, emptyBody, { allowEmpty: true });
  return json(201, await refreshCustomerToken(await services(), param(request, 'id'), bearerToken(request)));
});

registerHttp({ name: 'chatToken', methods: ['POST'], route: 'chats/{id}/token', handler: chatToken, rateLimit: 'customer' });
