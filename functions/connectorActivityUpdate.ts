import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { authenticateBot, readActivity } from '../shared/http/connectorEdge';
import { edge, json, param } from '../shared/http/edge';
import { receiveBotActivity } from '../shared/usecases/botConnector';

/** Bot Framework Connector: UpdateActivity, for a message the bot sent earlier. */
export const connectorActivityUpdate = edge(async (request) => {
  const s = await services();
  const caller = await authenticateBot(s, request);
  const { activity, bytes } = await readActivity(request);
  const conversationId = param(request, 'conversationId');
  return json(200, await receiveBotActivity(s, { conversationId, activityId: param(request, 'activityId'), operation: 'update', activity, sizeInBytes: bytes, caller }));
});

registerHttp({ name: 'connectorActivityUpdate', methods: ['PUT'], route: 'connector/v3/conversations/{conversationId}/activities/{activityId}', handler: connectorActivityUpdate });
