import { placeChat, whyQueueCannotTake, type PlacementLookups } from '../../shared/core/placement';

/** shared/core/placement.ts: a chat is never put in a queue where no member could ever take it. */

const QUEUES: Record<string, string[]> = {
  BotQueue: ['demo-bot'],
  TwoBots: ['demo-bot', 'other-bot'],
  Mixed: ['demo-bot', 'alice'],
  Empty: [],
  DefaultQueue: ['alice', 'bob'],
};
const lookups: PlacementLookups = {
  queue: (name) => (Object.prototype.hasOwnProperty.call(QUEUES, name) ? { members: QUEUES[name]! } : undefined),
  isBot: (id) => id.endsWith('-bot'),
};

describe('whyQueueCannotTake', () => {
  test.each([
    ['BotQueue', [], null],
    ['BotQueue', ['demo-bot'], 'every member of BotQueue is a bot that already escalated this chat (demo-bot)'],
    ['TwoBots', ['demo-bot'], null],
    ['TwoBots', ['demo-bot', 'other-bot'], 'every member of TwoBots is a bot that already escalated this chat (demo-bot, other-bot)'],
    ['Mixed', ['demo-bot'], null],
    ['Empty', [], 'Empty has no members'],
    ['Gone', [], 'Gone is not a queue of the configuration'],
    // An id that is no bot cannot be "excluded": agents are never excluded for a chat.
    ['DefaultQueue', ['alice'], null],
  ])('%s with excluded bots %j → %s', (queue, excluded, why) => {
    expect(whyQueueCannotTake(queue, excluded, lookups)).toBe(why);
  });
});

describe('placeChat', () => {
  test('a queue some member can serve is kept as the rules chose it', () => {
    expect(placeChat({ rule: 'BotRule', queue: 'BotQueue' }, [], 'DefaultQueue', lookups)).toEqual({ kind: 'queue', rule: 'BotRule', queue: 'BotQueue' });
  });

  test('a queue nobody can serve sends the chat to the fallback, saying from where and why', () => {
    expect(placeChat({ rule: 'BotRule', queue: 'BotQueue' }, ['demo-bot'], 'DefaultQueue', lookups)).toEqual({
      kind: 'queue', rule: 'BotRule', queue: 'DefaultQueue',
      redirect: { from: 'BotQueue', why: 'every member of BotQueue is a bot that already escalated this chat (demo-bot)' },
    });
    expect(placeChat({ rule: null, queue: 'Empty' }, [], 'DefaultQueue', lookups)).toMatchObject({ queue: 'DefaultQueue', redirect: { from: 'Empty', why: 'Empty has no members' } });
  });

  test('when the fallback cannot serve it either (or is the queue chosen), the chat is unroutable, with both reasons', () => {
    expect(placeChat({ rule: 'BotRule', queue: 'BotQueue' }, ['demo-bot'], 'Empty', lookups)).toEqual({
      kind: 'unroutable', rule: 'BotRule', queue: 'BotQueue',
      why: 'every member of BotQueue is a bot that already escalated this chat (demo-bot); the fallback queue cannot take it either: Empty has no members',
    });
    expect(placeChat({ rule: null, queue: 'BotQueue' }, ['demo-bot'], 'BotQueue', lookups)).toEqual({
      kind: 'unroutable', rule: null, queue: 'BotQueue', why: 'every member of BotQueue is a bot that already escalated this chat (demo-bot)',
    });
  });
});
