import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { bearerToken, edge, json, param } from '../shared/http/edge';
import { pageQuery } from '../shared/http/pageQuery';
import { listCustomerMessages } from '../shared/usecases/customerChats';

export const chatMessagesList = edge(async (request) => {
  return json(200, await listCustomerMessages(await services(), param(request, 'id'), bearerToken(request), pageQuery(request)));
});

registerHttp({ name: 'chatMessagesList', methods: ['GET'], route: 'chats/{id}/messages', handler: chatMessagesList, rateLimit: 'customer' });
