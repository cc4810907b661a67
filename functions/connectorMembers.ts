import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { authenticateBot } from '../shared/http/connectorEdge';
import { edge, json, param } from '../shared/http/edge';
import { conversationMembers } from '../shared/usecases/botConnector';

/** Bot Framework Connector: GetConversationMembers and GetActivityMembers (both: the customer and the bot). */
export const connectorMembers = edge(async (request) => {
  const s = await services();
  const caller = await authenticateBot(s, request);
  return json(200, await conversationMembers(s, param(request, 'conversationId'), caller, request.query.get('botId')));
});

registerHttp({ name: 'connectorMembers', methods: ['GET'], route: 'connector/v3/conversations/{conversationId}/members', handler: connectorMembers });
registerHttp({ name: 'connectorActivityMembers', methods: ['GET'], route: 'connector/v3/conversations/{conversationId}/activities/{activityId}/members', handler: connectorMembers });
