import { MAX_ACTIVITY_BYTES } from '../shared/core/botCommands';
import { registerHttp } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { edge, json, param, parseJsonText, readText } from '../shared/http/edge';
import { receiveBotActivity } from '../shared/usecases/botConnector';

/** Bot Framework Connector: SendToConversation and ReplyToActivity. */
export const connectorActivities = edge(async (request) => {
  // Read a little past the activity limit so an oversized activity gets the connector's 413 message.
  const { text, bytes } = await readText(request, MAX_ACTIVITY_BYTES * 4);
  const activity = parseJsonText(text, false);
  const result = await receiveBotActivity(await services(), {
    conversationId: param(request, 'conversationId'),
    replyToId: request.params.activityId,
    activity,
    sizeInBytes: bytes,
  });
  return json(200, result);
});

registerHttp({
  name: 'connectorActivities',
  methods: ['POST'],
  route: 'connector/v3/conversations/{conversationId}/activities/{activityId?}',
  handler: connectorActivities,
});
