import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { authenticateBot, readActivity } from '../shared/http/connectorEdge';
import { edge, json, param } from '../shared/http/edge';
import { receiveBotActivity } from '../shared/usecases/botConnector';

/** Bot Framework Connector: SendToConversation and ReplyToActivity. */
export const connectorActivities = edge(async (request) => {
  const s = await services();
  const caller = await authenticateBot(s, request);
  const { activity, bytes } = await readActivity(request);
  const result = await receiveBotActivity(s, {
    conversationId: param(request, 'conversationId'),
    activityId: request.params.activityId,
    operation: 'send',
    activity,
    sizeInBytes: bytes,
    caller,
  });
  return json(200, result);
});

registerHttp({
  name: 'connectorActivities',
  methods: ['POST'],
  route: 'connector/v3/conversations/{conversationId}/activities/{activityId?}',
  handler: connectorActivities,
});
