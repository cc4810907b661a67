import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { ApiError } from '../shared/http/apiError';
import { authenticateBot } from '../shared/http/connectorEdge';
import { edge } from '../shared/http/edge';

/** Bot Framework Connector: CreateConversation. Switchboard is the channel: conversations start with a customer. */
export const connectorConversationsCreate = edge(async (request) => {
  // Who asks comes first, as on every connector route: nobody gets a 401, a bot is told why not.
  const s = await services();
  const caller = await authenticateBot(s, request);
  if (caller.kind === 'anonymous' && !s.config.allowUnauthenticatedBots) throw new ApiError('Unauthorized', 'a bearer token is required: only a bot may call the connector');
  throw new ApiError('Forbidden', 'a bot cannot create conversations on Switchboard: conversations start when a customer starts a chat (POST /api/chats)');
});

registerHttp({ name: 'connectorConversationsCreate', methods: ['POST'], route: 'connector/v3/conversations', handler: connectorConversationsCreate });
