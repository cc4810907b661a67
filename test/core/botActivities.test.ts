import {
  conversationUpdateActivity,
  customerMessageActivity,
  endOfConversationActivity,
  handoffStatusActivity,
  startConversationActivity,
  type BotChannelContext,
} from '../../shared/core/botActivities';

const channel: BotChannelContext = {
  channelId: 'switchboard',
  serviceUrl: 'http://localhost:7071/api/connector/',
  conversationId: 'conv-1',
  customer: { id: 'cust-1', name: 'Ada' },
  bot: { id: 'demo-bot', name: 'Demo Bot' },
  locale: 'en-US',
};
const at = '2025-01-02T03:04:05.000Z';

const common = {
  id: 'a1',
  timestamp: at,
  channelId: 'switchboard',
  serviceUrl: 'http://localhost:7071/api/connector/',
  conversation: { id: 'conv-1' },
  from: { id: 'cust-1', name: 'Ada', role: 'user' },
  recipient: { id: 'demo-bot', name: 'Demo Bot', role: 'bot' },
  locale: 'en-US',
};

describe('activities the channel sends to a bot', () => {
  test('conversationUpdate adds the bot and the customer', () => {
    expect(conversationUpdateActivity(channel, 'a1', at)).toEqual({
      ...common,
      type: 'conversationUpdate',
      membersAdded: [
        { id: 'demo-bot', name: 'Demo Bot', role: 'bot' },
        { id: 'cust-1', name: 'Ada', role: 'user' },
      ],
    });
  });

  test('startConversation carries the context and the conversation id, tagged like Omnichannel', () => {
    const activity = startConversationActivity(channel, 'a1', at, { BotHandoffTopic: 'x', Age: 42 });
    expect(activity).toEqual({
      ...common,
      type: 'event',
      name: 'startConversation',
      value: { BotHandoffTopic: 'x', Age: 42, msdyn_ConversationId: 'conv-1' },
      text: JSON.stringify({ BotHandoffTopic: 'x', Age: 42, msdyn_ConversationId: 'conv-1' }),
      channelData: { tags: 'ChannelId-switchboard,OmnichannelContextMessage,Hidden', sourceChannelId: 'omnichannel' },
    });
  });

  test('the context event can carry the BotSDK middleware name', () => {
    const activity = startConversationActivity(channel, 'a1', at, {}, 'omnichannelSetContext');
    expect(activity.name).toBe('omnichannelSetContext');
    expect(activity.value).toEqual({ msdyn_ConversationId: 'conv-1' });
  });

  test('the conversation id wins over a context variable of the same name', () => {
    const activity = startConversationActivity(channel, 'a1', at, { msdyn_ConversationId: 'forged' });
    expect(activity.value).toEqual({ msdyn_ConversationId: 'conv-1' });
  });

  test('a customer message', () => {
    expect(customerMessageActivity(channel, 'a1', at, 'hello')).toEqual({ ...common, type: 'message', text: 'hello' });
  });

  test('endOfConversation carries its code', () => {
    expect(endOfConversationActivity(channel, 'a1', at, 'completedSuccessfully')).toEqual({
      ...common,
      type: 'endOfConversation',
      code: 'completedSuccessfully',
    });
  });

  test('handoff.status with and without a message', () => {
    expect(handoffStatusActivity(channel, 'a1', at, 'accepted')).toEqual({
      ...common,
      type: 'event',
      name: 'handoff.status',
      value: { state: 'accepted' },
    });
    expect(handoffStatusActivity(channel, 'a1', at, 'failed', 'no agent').value).toEqual({ state: 'failed', message: 'no agent' });
  });

  test('builders do not share or keep the inputs', () => {
    const context = { Topic: 'a' };
    const activity = startConversationActivity(channel, 'a1', at, context);
    context.Topic = 'b';
    expect(activity.value).toEqual({ Topic: 'a', msdyn_ConversationId: 'conv-1' });
    const first = customerMessageActivity(channel, 'a1', at, 'x');
    first.from!.name = 'changed';
    expect(customerMessageActivity(channel, 'a2', at, 'x').from).toEqual({ id: 'cust-1', name: 'Ada', role: 'user' });
    expect(channel.customer.name).toBe('Ada');
  });
});
