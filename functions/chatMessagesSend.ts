import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { bearerToken, edge, json, param, readBody } from '../shared/http/edge';
import { messageBody } from '../shared/http/schemas';
import { sendCustomerMessage } from '../shared/usecases/customerChats';

export const chatMessagesSend = edge(async (request) => {
  const input = await readBody(request, messageBody);
  return json(202, await sendCustomerMessage(await services(), param(request, 'id'), bearerToken(request), input));
});

registerHttp({ name: 'chatMessagesSend', methods: ['POST'], route: 'chats/{id}/messages', handler: chatMessagesSend, rateLimit: 'customer' });
