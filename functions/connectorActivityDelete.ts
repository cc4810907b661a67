import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { authenticateBot } from '../shared/http/connectorEdge';
import { edge, param } from '../shared/http/edge';
import { receiveBotActivity } from '../shared/usecases/botConnector';

/** Bot Framework Connector: DeleteActivity, for a message the bot sent earlier. */
export const connectorActivityDelete = edge(async (request) => {
  const s = await services();
  const caller = await authenticateBot(s, request);
  const conversationId = param(request, 'conversationId');
  await receiveBotActivity(s, { conversationId, activityId: param(request, 'activityId'), operation: 'delete', activity: {}, sizeInBytes: 0, caller });
  return { status: 200 };
});

registerHttp({ name: 'connectorActivityDelete', methods: ['DELETE'], route: 'connector/v3/conversations/{conversationId}/activities/{activityId}', handler: connectorActivityDelete });
