import { BotActivityError, MAX_ACTIVITY_BYTES, interpretBotActivity } from '../../shared/core/botCommands';

const sizeOf = (activity: unknown) => Buffer.byteLength(JSON.stringify(activity));
const interpret = (activity: unknown) => interpretBotActivity(activity, sizeOf(activity));

function errorOf(activity: unknown, size = sizeOf(activity)): BotActivityError {
  try {
    interpretBotActivity(activity, size);
  } catch (error) {
    if (error instanceof BotActivityError) return error;
    throw error;
  }
  throw new Error('expected a BotActivityError');
}

const escalateTags = (context: unknown) => JSON.stringify({ type: 'Escalate', context });

describe('size limit', () => {
  test('28 KB is accepted, one byte more is rejected', () => {
    expect(MAX_ACTIVITY_BYTES).toBe(28672);
    expect(interpretBotActivity({ type: 'message', text: 'hi' }, 28672)).toEqual({ kind: 'message', text: 'hi' });
    const error = errorOf({ type: 'message', text: 'hi' }, 31000);
    expect(error.code).toBe('ActivityTooLarge');
    expect(error.message).toBe('activity is 31000 bytes; the limit is 28672 bytes');
    expect(error.name).toBe('BotActivityError');
    expect(error).toBeInstanceOf(Error);
  });

  test('the size is checked before anything else', () => {
    expect(errorOf('not even an object', 28673).code).toBe('ActivityTooLarge');
  });
});

describe('activity shape', () => {
  test.each([
    [null, 'activity must be a JSON object, got null'],
    [[], 'activity must be a JSON object, got an array'],
    ['text', 'activity must be a JSON object, got "text"'],
    [{}, 'activity.type is required'],
    [{ type: '' }, 'activity.type is required'],
    [{ type: null }, 'activity.type is required'],
    [{ type: 7 }, 'activity.type must be a string, got 7'],
    [{ type: 'message', text: 5 }, 'activity.text must be a string, got 5'],
    [{ type: 'message', channelData: 'bridged', text: 'x' }, 'activity.channelData must be an object, got "bridged"'],
    [{ type: 'message', attachments: {}, text: 'x' }, 'activity.attachments must be an array, got an object'],
    [{ type: 'message' }, 'a message needs activity.text or activity.attachments'],
    [{ type: 'message', text: '', attachments: [] }, 'a message needs activity.text or activity.attachments'],
  ])('%j → InvalidActivity', (activity, message) => {
    const error = errorOf(activity);
    expect(error.code).toBe('InvalidActivity');
    expect(error.message).toBe(message);
  });
});

describe('messages for the customer', () => {
  test('bridged', () => {
    expect(interpret({ type: 'message', text: 'Echo: hi', channelData: { deliveryMode: 'bridged' } })).toEqual({
      kind: 'message',
      text: 'Echo: hi',
    });
  });

  test('missing deliveryMode counts as bridged', () => {
    expect(interpret({ type: 'message', text: 'hi' })).toEqual({ kind: 'message', text: 'hi' });
    expect(interpret({ type: 'message', text: 'hi', channelData: {} })).toEqual({ kind: 'message', text: 'hi' });
    expect(interpret({ type: 'message', text: 'hi', channelData: null })).toEqual({ kind: 'message', text: 'hi' });
  });

  test('attachments and suggested actions are kept; text may then be missing', () => {
    const attachments = [{ contentType: 'image/png', contentUrl: 'https://example.test/a.png' }];
    const suggestedActions = { actions: [{ type: 'imBack', title: 'Yes', value: 'yes' }] };
    expect(interpret({ type: 'message', attachments, suggestedActions })).toEqual({
      kind: 'message',
      text: '',
      attachments,
      suggestedActions,
    });
  });

  test('other deliveryModes (internal notes) are ignored with the reason', () => {
    expect(interpret({ type: 'message', text: 'note', channelData: { deliveryMode: 'internal' } })).toEqual({
      kind: 'ignore',
      why: 'channelData.deliveryMode is "internal"; only bridged messages reach the customer',
    });
  });

  test('a non-JSON tag list is not a command', () => {
    const activity = { type: 'message', text: 'hi', channelData: { tags: 'ChannelId-lcw,Hidden', deliveryMode: 'bridged' } };
    expect(interpret(activity)).toEqual({ kind: 'message', text: 'hi' });
    expect(interpret({ type: 'message', text: 'hi', channelData: { tags: ['ChannelId-lcw', 'FromCustomer'] } })).toEqual({
      kind: 'message',
      text: 'hi',
    });
  });

  test('the Bot Framework activity.deliveryMode is not the Omnichannel one', () => {
    expect(interpret({ type: 'message', text: 'hi', deliveryMode: 'expectReplies' })).toEqual({ kind: 'message', text: 'hi' });
  });
});

describe('escalation', () => {
  test('tags as a JSON string, as the docs helper writes it', () => {
    const activity = {
      type: 'message',
      text: 'Customer disputes a card charge',
      channelData: { tags: escalateTags({ BotHandoffTopic: 'CreditCard', IDNumber: 101 }) },
    };
    expect(interpret(activity)).toEqual({
      kind: 'escalate',
      context: { BotHandoffTopic: 'CreditCard', IDNumber: 101 },
      summary: 'Customer disputes a card charge',
    });
  });

  test('tags as an object are accepted too', () => {
    const activity = { type: 'message', text: 's', channelData: { tags: { type: 'Escalate', context: { BotHandoffTopic: 'HomeLoan' } } } };
    expect(interpret(activity)).toEqual({ kind: 'escalate', context: { BotHandoffTopic: 'HomeLoan' }, summary: 's' });
  });

  test('a command wins over deliveryMode, and the summary may be missing', () => {
    const activity = { type: 'message', channelData: { deliveryMode: 'bridged', tags: escalateTags({ A: 'b' }) } };
    expect(interpret(activity)).toEqual({ kind: 'escalate', context: { A: 'b' }, summary: '' });
  });

  test('a missing context is an empty one; the type is matched case-insensitively', () => {
    const activity = { type: 'message', text: 's', channelData: { tags: JSON.stringify({ type: 'escalate' }) } };
    expect(interpret(activity)).toEqual({ kind: 'escalate', context: {}, summary: 's' });
  });

  test('tags that look like JSON but are not', () => {
    const error = errorOf({ type: 'message', text: 's', channelData: { tags: '{"type":"Escalate",' } });
    expect(error.code).toBe('InvalidTags');
    expect(error.message).toMatch(/^channelData\.tags is not valid JSON: /);
  });

  test.each([
    [{ tags: JSON.stringify({ type: 'Transfer', context: {} }) }, 'channelData.tags.type must be "Escalate" or "EndConversation", got "Transfer"'],
    [{ tags: JSON.stringify({ context: {} }) }, 'channelData.tags.type must be "Escalate" or "EndConversation", got nothing'],
    [{ tags: { type: 3 } }, 'channelData.tags.type must be "Escalate" or "EndConversation", got 3'],
    [{ tags: 42 }, 'channelData.tags must be a string or an object, got 42'],
  ])('bad tags %j → InvalidTags', (channelData, message) => {
    const error = errorOf({ type: 'message', text: 's', channelData });
    expect(error.code).toBe('InvalidTags');
    expect(error.message).toBe(message);
  });

  test.each([
    [{ BotHandoffTopic: {} }, 'channelData.tags.context.BotHandoffTopic must be a string or an integer, got an object'],
    [{ Score: 1.5 }, 'channelData.tags.context.Score must be a string or an integer, got 1.5'],
    [{ List: [1] }, 'channelData.tags.context.List must be a string or an integer, got an array'],
    [{ Flag: true }, 'channelData.tags.context.Flag must be a string or an integer, got a boolean'],
    [{ Empty: null }, 'channelData.tags.context.Empty must be a string or an integer, got null'],
    [{ Big: 2 ** 60 }, `channelData.tags.context.Big must be a string or an integer, got ${2 ** 60}`],
    [{ '': 'x' }, 'channelData.tags.context has an empty variable name'],
    [{ Long: 'x'.repeat(4001) }, 'channelData.tags.context.Long is 4001 characters; the limit is 4000'],
  ])('context %# → InvalidContext', (context, message) => {
    const error = errorOf({ type: 'message', text: 's', channelData: { tags: escalateTags(context) } }, 100);
    expect(error.code).toBe('InvalidContext');
    expect(error.message).toBe(message);
  });

  test('context itself must be an object', () => {
    const error = errorOf({ type: 'message', text: 's', channelData: { tags: escalateTags(['CreditCard']) } });
    expect(error.code).toBe('InvalidContext');
    expect(error.message).toBe('channelData.tags.context must be an object, got an array');
  });

  test('context limits: 100 names of up to 100 characters, values of up to 4000', () => {
    const atLimit: Record<string, string> = {};
    for (let i = 0; i < 100; i++) atLimit[`${'n'.repeat(97)}${String(i).padStart(3, '0')}`] = 'v'.repeat(4000);
    const ok = interpretBotActivity({ type: 'message', text: 's', channelData: { tags: escalateTags(atLimit) } }, 100);
    expect(ok.kind === 'escalate' && Object.keys(ok.context)).toHaveLength(100);

    const tooMany = { ...atLimit, Extra: 'x' };
    expect(errorOf({ type: 'message', text: 's', channelData: { tags: escalateTags(tooMany) } }, 100).message).toBe(
      'channelData.tags.context has 101 entries; the limit is 100',
    );
    const longName = { ['N'.repeat(101)]: 'x' };
    expect(errorOf({ type: 'message', text: 's', channelData: { tags: escalateTags(longName) } }, 100).message).toBe(
      `channelData.tags.context has a variable name of 101 characters ("${'N'.repeat(20)}..."); the limit is 100`,
    );
  });
});

describe('end of conversation', () => {
  test('with text', () => {
    const activity = { type: 'message', text: 'Goodbye', channelData: { tags: JSON.stringify({ type: 'EndConversation', context: {} }) } };
    expect(interpret(activity)).toEqual({ kind: 'end', text: 'Goodbye' });
  });

  test('without text', () => {
    const activity = { type: 'message', channelData: { tags: { type: 'EndConversation', context: {} } } };
    expect(interpret(activity)).toEqual({ kind: 'end', text: null });
  });
});

describe('the generic Bot Framework handoff', () => {
  test('handoff.initiate with botbuilder’s Transcript attachment', () => {
    const transcript = [
      { type: 'message', text: 'hi', from: { id: 'cust-1' } },
      { type: 'message', text: 'hello', from: { id: 'bot' } },
    ];
    const activity = {
      type: 'event',
      name: 'handoff.initiate',
      value: { BotHandoffTopic: 'CreditCard', va_AgentMessage: 'Card dispute' },
      attachments: [{ contentType: 'application/json', name: 'Transcript', content: { activities: transcript } }],
    };
    expect(interpret(activity)).toEqual({
      kind: 'handoff',
      context: { BotHandoffTopic: 'CreditCard', va_AgentMessage: 'Card dispute' },
      summary: 'Card dispute',
      transcript,
    });
  });

  test('one activity per attachment; text is the summary', () => {
    const one = { type: 'message', text: 'a' };
    const two = { type: 'message', text: 'b' };
    const activity = {
      type: 'event',
      name: 'handoff.initiate',
      text: 'summary',
      value: {},
      attachments: [
        { contentType: 'application/vnd.microsoft.activity', content: one },
        { contentType: 'image/png', contentUrl: 'x' },
        { contentType: 'application/vnd.microsoft.activity', content: two },
      ],
    };
    expect(interpret(activity)).toEqual({ kind: 'handoff', context: {}, summary: 'summary', transcript: [one, two] });
  });

  test('a Transcript whose content is already a list', () => {
    const activity = { type: 'event', name: 'handoff.initiate', attachments: [{ contentType: 'application/json', name: 'Transcript', content: [1, 2] }] };
    expect(interpret(activity)).toEqual({ kind: 'handoff', context: {}, summary: '', transcript: [1, 2] });
  });

  test('no value and no transcript', () => {
    expect(interpret({ type: 'event', name: 'handoff.initiate' })).toEqual({ kind: 'handoff', context: {}, summary: '', transcript: null });
  });

  test('the context in value follows the same rules', () => {
    const bad = errorOf({ type: 'event', name: 'handoff.initiate', value: { Nested: { a: 1 } } });
    expect(bad.code).toBe('InvalidContext');
    expect(bad.message).toBe('activity.value.Nested must be a string or an integer, got an object');
    expect(errorOf({ type: 'event', name: 'handoff.initiate', value: 'CreditCard' }).message).toBe(
      'activity.value must be an object, got "CreditCard"',
    );
  });
});

test('a typing activity is a typing signal, however it is dressed', () => {
  expect(interpret({ type: 'typing' })).toEqual({ kind: 'typing' });
  expect(interpret({ type: 'typing', text: 'ignored', channelData: { tags: 'not read' } })).toEqual({ kind: 'typing' });
});

describe('ignored activities', () => {
  test.each([
    [{ type: 'trace', name: 'x', value: { big: true } }, 'trace activities are ignored'],
    [{ type: 'event', name: 'custom' }, 'event "custom" is not handled'],
    [{ type: 'event' }, 'an event without a name is not handled'],
    [{ type: 'endOfConversation' }, 'activity type "endOfConversation" is not handled'],
  ])('%j', (activity, why) => {
    expect(interpret(activity)).toEqual({ kind: 'ignore', why });
  });
});
