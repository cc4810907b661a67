import { interpretBotActivity } from '../../shared/core/botCommands';
import { addEndConversationContext, addEscalationContext, bridgeBotMessage } from '../../shared/botkit/omnichannel';

/** The bot-author helper produces exactly what the connector understands. */
test('bridge, escalate and end read back as the commands they stand for', () => {
  const size = 100;
  expect(interpretBotActivity(bridgeBotMessage({ type: 'message', text: 'Hi', channelData: { keep: 1 } }), size)).toEqual({ kind: 'message', text: 'Hi' });
  expect(interpretBotActivity(addEscalationContext({ type: 'message', text: 'for the agent' }, { BotHandoffTopic: 'CreditCard', Priority: 2 }), size))
    .toEqual({ kind: 'escalate', context: { BotHandoffTopic: 'CreditCard', Priority: 2 }, summary: 'for the agent' });
  expect(interpretBotActivity(addEndConversationContext({ type: 'message', text: 'Goodbye' }), size)).toEqual({ kind: 'end', text: 'Goodbye' });
});

test('the helpers copy: the activity passed in is unchanged, and tags are a JSON string', () => {
  const original = { type: 'message', text: 'x', channelData: { deliveryMode: 'bridged' } };
  const escalated = addEscalationContext(original, { A: 'b' });
  expect(original.channelData).toEqual({ deliveryMode: 'bridged' });
  expect(typeof escalated.channelData?.tags).toBe('string');
  expect(JSON.parse(escalated.channelData?.tags as string)).toEqual({ type: 'Escalate', context: { A: 'b' } });
});
