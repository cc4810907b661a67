import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { edge, json, readBody } from '../shared/http/edge';
import { startChatBody } from '../shared/http/schemas';
import { startChat } from '../shared/usecases/customerChats';

export const chatsStart = edge(async (request) => {
  const input = await readBody(request, startChatBody, { allowEmpty: true });
  return json(201, await startChat(await services(), input));
});

registerHttp({ name: 'chatsStart', methods: ['POST'], route: 'chats', handler: chatsStart, rateLimit: 'chatStart' });
