import { registerHttp } from '../shared/host/registry';
import { ApiError } from '../shared/http/apiError';
import { edge } from '../shared/http/edge';

/** Bot Framework Connector: CreateConversation. Switchboard is the channel: conversations start with a customer. */
export const connectorConversationsCreate = edge(async () => {
  throw new ApiError('Forbidden', 'a bot cannot create conversations on Switchboard: conversations start when a customer starts a chat (POST /api/chats)');
});

registerHttp({ name: 'connectorConversationsCreate', methods: ['POST'], route: 'connector/v3/conversations', handler: connectorConversationsCreate });
