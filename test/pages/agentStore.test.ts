import {
  agentReducer, attentionCount, customerIsTyping, initialAgentState, isUnknownChat, matchingQuickReplies, selectedConversation, type AgentAction, type AgentPageState,
} from '../../pages/workspace/agentStore';
import type { AgentEvent, ConversationRow, Message, Offer, Workspace } from '../../pages/workspace/contract';

/** The agent page's store without a browser: the snapshot, the stream's events on top, and what only the tab knows. */

const row = (id: string, name: string, extra: Partial<ConversationRow> = {}): ConversationRow => ({
  id, workstream: 'ChatWorkStream', status: 'Active', statusReason: 'InConversation', queue: 'CreditCardQueue',
  customer: { id: `c-${id}`, name }, context: {}, escalationSummary: null, assignedAt: '2024-05-01T09:00:00.000Z',
  messageCount: 2, lastMessage: null, ...extra,
});

const offer = (conversationId: string, name: string, offeredAt = '2024-05-01T09:00:00.000Z'): Offer => ({
  conversationId, workstream: 'ChatWorkStream', queue: 'CreditCardQueue', customer: { id: `c-${conversationId}`, name }, context: {},
  escalationSummary: null, offeredAt, expiresAt: '2024-05-01T09:02:00.000Z', allowReject: true,
});

const line = (id: string, role: Message['role'] = 'customer', text = `line ${id}`): Message => ({ id, role, text, timestamp: '2024-05-01T09:01:00.000Z', visibility: 'everyone' });

const workspace = (extra: Partial<Workspace> = {}): Workspace => ({
  agent: { id: 'alice', name: 'Alice', presence: 'Available', presenceSince: '2024-05-01T08:00:00.000Z', capacity: 2, usedUnits: 0 },
  presences: ['Available', 'Busy', 'Busy-DND', 'Away', 'Offline'],
  queues: [{ name: 'CreditCardQueue', workstream: 'ChatWorkStream' }],
  quickReplies: { ChatWorkStream: [{ title: 'Greeting', text: 'Hello, how can I help?' }, { title: 'Card blocked', text: 'The card is blocked.' }] },
  offers: [],
  conversations: [],
  cursor: '0',
  ...extra,
});

function run(...actions: AgentAction[]): AgentPageState {
  return actions.reduce(agentReducer, initialAgentState);
}

const event = (e: AgentEvent): AgentAction => ({ type: 'event', event: e });
const message = (conversationId: string, m: Message) => event({ type: 'message', data: { conversationId, message: m } });

describe('the snapshot', () => {
  test('offers oldest first; the first chat is opened; a chat on screen stays on screen when the snapshot is read again', () => {
    const first = run({ type: 'snapshot', workspace: workspace({ offers: [offer('o2', 'Kim', '2024-05-01T09:00:05.000Z'), offer('o1', 'Lee')], conversations: [row('a', 'Sam'), row('b', 'Robin')] }) });
    expect(first.offers.map((o) => o.conversationId)).toEqual(['o1', 'o2']);
    expect(first.selectedId).toBe('a');
    const again = [{ type: 'select', conversationId: 'b' } as const, { type: 'snapshot', workspace: workspace({ conversations: [row('a', 'Sam'), row('b', 'Robin')] }) } as const].reduce(agentReducer, first);
    expect(again.selectedId).toBe('b');
  });

  test('a chat no longer held loses its transcript, unread count and typing; read transcripts are read again', () => {
    const state = run(
      { type: 'snapshot', workspace: workspace({ conversations: [row('a', 'Sam'), row('b', 'Robin')] }) },
      { type: 'transcriptLoaded', conversationId: 'a', pages: [{ status: 'Active', messages: [line('1')], next: null, customerTypingAt: null }] },
      message('b', line('2')),
      event({ type: 'typing', data: { conversationId: 'b', at: '2024-05-01T09:01:00.000Z' } }),
      { type: 'snapshot', workspace: workspace({ conversations: [row('a', 'Sam')] }) },
    );
    expect(Object.keys(state.transcripts)).toEqual(['a']);
    expect(state.transcripts.a?.loaded).toBe(false);
    expect(state.unread).toEqual({});
    expect(state.typing).toEqual({});
  });
});

describe('offers', () => {
  test('an offer arrives and counts in the title; its end by expiry is told, its acceptance is not', () => {
    const offered = run({ type: 'snapshot', workspace: workspace() }, event({ type: 'offer', data: offer('o1', 'Kim') }), event({ type: 'offer', data: offer('o2', 'Lee') }));
    expect(attentionCount(offered)).toBe(2);
    const expired = agentReducer(offered, event({ type: 'offerEnded', data: { conversationId: 'o1', outcome: 'expired' } }));
    expect(expired.offers.map((o) => o.conversationId)).toEqual(['o2']);
    expect(expired.notice).toMatchObject({ text: 'The chat with Kim expired.', intent: 'warning' });
    const accepted = agentReducer(expired, event({ type: 'offerEnded', data: { conversationId: 'o2', outcome: 'accepted' } }));
    expect(accepted.offers).toEqual([]);
    expect(accepted.notice?.seq).toBe(expired.notice?.seq);
  });

  test('the same offer twice is one offer; an answer that came too late removes it and says why', () => {
    const state = run(event({ type: 'offer', data: offer('o1', 'Kim') }), event({ type: 'offer', data: offer('o1', 'Kim') }));
    expect(state.offers).toHaveLength(1);
    const late = agentReducer(state, { type: 'offerAnswered', conversationId: 'o1', offeredAt: state.offers[0]!.offeredAt, notice: 'The offer expired before your answer arrived.' });
    expect(late.offers).toEqual([]);
    expect(late.notice?.text).toBe('The offer expired before your answer arrived.');
  });

  test('a Reject whose answer comes after the chat was offered again removes the rejected offer, not the new one', () => {
    const first = offer('o1', 'Kim', '2024-05-01T09:00:00.000Z');
    const again = offer('o1', 'Kim', '2024-05-01T09:00:05.000Z');
    const state = run(event({ type: 'offer', data: first }), event({ type: 'offerEnded', data: { conversationId: 'o1', outcome: 'rejected' } }), event({ type: 'offer', data: again }));
    const answered = agentReducer(state, { type: 'offerAnswered', conversationId: 'o1', offeredAt: first.offeredAt });
    expect(answered.offers).toEqual([again]);
  });
});

describe('chats', () => {
  test('a chat that becomes the agent\'s is opened when none is, and its offer goes; a change of a chat on the list moves nothing', () => {
    const state = run({ type: 'snapshot', workspace: workspace({ offers: [offer('a', 'Sam')] }) }, event({ type: 'conversation', data: row('a', 'Sam') }));
    expect(state.selectedId).toBe('a');
    expect(state.offers).toEqual([]);
    const second = agentReducer(state, event({ type: 'conversation', data: row('b', 'Robin') }));
    expect(second.selectedId).toBe('a');
    const back = [{ type: 'select', conversationId: null } as const, event({ type: 'conversation', data: row('a', 'Sam', { status: 'WrapUp' }) })].reduce(agentReducer, second);
    expect(back.selectedId).toBeNull();
    expect(back.conversations.find((c) => c.id === 'a')?.status).toBe('WrapUp');
  });

  test('a transferred chat leaves with a notice and off the screen; the agent\'s own Close needs none', () => {
    const state = run({ type: 'snapshot', workspace: workspace({ conversations: [row('a', 'Sam'), row('b', 'Robin', { status: 'WrapUp' })] }) });
    const transferred = agentReducer(state, event({ type: 'conversationRemoved', data: { conversationId: 'a', reason: 'transferred' } }));
    expect(transferred.conversations.map((c) => c.id)).toEqual(['b']);
    expect(transferred.selectedId).toBeNull();
    expect(transferred.notice?.text).toBe('The chat with Sam was transferred.');
    const closed = agentReducer(transferred, event({ type: 'conversationRemoved', data: { conversationId: 'b', reason: 'closed' } }));
    expect(closed.conversations).toEqual([]);
    expect(closed.notice).toBe(transferred.notice);
    expect(agentReducer(closed, event({ type: 'conversationRemoved', data: { conversationId: 'zz', reason: 'closed' } }))).toBe(closed);
  });

  test('a chat a supervisor force-closes while the agent is in it leaves with a notice saying so', () => {
    const state = run({ type: 'snapshot', workspace: workspace({ conversations: [row('a', 'Sam')] }) });
    const closed = agentReducer(state, event({ type: 'conversationRemoved', data: { conversationId: 'a', reason: 'closed', statusReason: 'ForceClosedBySupervisor' } }));
    expect(closed.conversations).toEqual([]);
    expect(closed.notice?.text).toBe('The chat with Sam was closed by a supervisor.');
  });

  test('Alt+↓ and Alt+↑ go round the list, and reading a chat clears its unread count', () => {
    let state = run({ type: 'snapshot', workspace: workspace({ conversations: [row('a', 'Sam'), row('b', 'Robin'), row('c', 'Kim')] }) }, message('c', line('1')));
    expect(state.unread).toEqual({ c: 1 });
    state = agentReducer(state, { type: 'selectNext', step: -1 });
    expect([state.selectedId, state.unread]).toEqual(['c', {}]);
    state = agentReducer(state, { type: 'selectNext', step: 1 });
    expect(selectedConversation(state)?.customer.name).toBe('Sam');
    expect(agentReducer(initialAgentState, { type: 'selectNext', step: 1 })).toBe(initialAgentState);
  });
});

describe('lines', () => {
  const held = () => run({ type: 'snapshot', workspace: workspace({ conversations: [row('a', 'Sam'), row('b', 'Robin')] }) });

  test('a customer line of a chat not on screen is unread (once, however often the stream repeats it), and becomes the list\'s last line', () => {
    const state = [message('b', line('1', 'customer', 'Are you there?')), message('b', line('1', 'customer', 'Are you there?'))].reduce(agentReducer, held());
    expect(state.unread).toEqual({ b: 1 });
    expect(attentionCount(state)).toBe(1);
    const b = state.conversations.find((c) => c.id === 'b');
    expect([b?.messageCount, b?.lastMessage?.text]).toEqual([3, 'Are you there?']);
    expect(state.transcripts.b?.messages).toHaveLength(1);
  });

  test('the chat on screen has no unread lines while the tab is visible; while hidden it does, until the tab is back', () => {
    expect(agentReducer(held(), message('a', line('1'))).unread).toEqual({});
    const hidden = [{ type: 'visibility', visible: false } as const, message('a', line('1'))].reduce(agentReducer, held());
    expect(hidden.unread).toEqual({ a: 1 });
    expect(agentReducer(hidden, { type: 'visibility', visible: true }).unread).toEqual({});
  });

  test('bot, agent and system lines are never unread; a customer line ends the typing indicator', () => {
    const typing = agentReducer(held(), event({ type: 'typing', data: { conversationId: 'b', at: '2024-05-01T09:01:00.000Z' } }));
    expect(customerIsTyping(typing, 'b', Date.parse('2024-05-01T09:01:03.000Z'))).toBe(true);
    expect(customerIsTyping(typing, 'b', Date.parse('2024-05-01T09:01:10.000Z'))).toBe(false);
    const state = [message('b', line('1', 'bot')), message('b', line('2', 'agent')), message('b', line('3', 'system'))].reduce(agentReducer, typing);
    expect(state.unread).toEqual({});
    expect(customerIsTyping(agentReducer(state, message('b', line('4'))), 'b', Date.parse('2024-05-01T09:01:03.000Z'))).toBe(false);
  });

  test("the agent's line shows at once as sending; its echo on the stream replaces it; a refusal marks it not sent", () => {
    const sending = agentReducer(held(), { type: 'sending', conversationId: 'a', message: line('m1', 'agent', 'Hello') });
    expect(sending.transcripts.a?.messages[0]).toMatchObject({ id: 'm1', pending: true });
    const echoed = agentReducer(sending, message('a', line('m1', 'agent', 'Hello')));
    expect(echoed.transcripts.a?.messages).toEqual([line('m1', 'agent', 'Hello')]);
    const failed = [{ type: 'sending', conversationId: 'a', message: line('m2', 'agent', 'Again') } as const, { type: 'sendFailed', conversationId: 'a', messageId: 'm2', reason: 'the conversation is WrapUp' } as const].reduce(agentReducer, echoed);
    expect(failed.transcripts.a?.messages[1]).toMatchObject({ id: 'm2', pending: false, failed: 'the conversation is WrapUp' });
  });

  test('a line of a chat not on the list yet is kept; the list read then adds that chat, and only a chat the page has lines of', () => {
    const early = agentReducer(held(), message('c', line('1', 'customer', 'Hello?')));
    expect(early.transcripts.c?.messages.map((m) => m.text)).toEqual(['Hello?']);
    expect(early.unread).toEqual({ c: 1 });
    const listed = agentReducer(early, { type: 'conversationsListed', conversations: [row('a', 'Sam'), row('c', 'Kim'), row('d', 'Lee')] });
    expect(listed.conversations.map((c) => c.id)).toEqual(['a', 'b', 'c']);
    expect(attentionCount(listed)).toBe(1);
    // Its `conversation` event, coming late, changes the row it is, not the list.
    expect(agentReducer(listed, event({ type: 'conversation', data: row('c', 'Kim') })).conversations.map((c) => c.id)).toEqual(['a', 'b', 'c']);
    // A chat removed before the list's answer came stays removed.
    const removed = [event({ type: 'conversation', data: row('c', 'Kim') }), event({ type: 'conversationRemoved', data: { conversationId: 'c', reason: 'transferred' } })].reduce(agentReducer, early);
    expect(agentReducer(removed, { type: 'conversationsListed', conversations: [row('c', 'Kim')] }).conversations.map((c) => c.id)).toEqual(['a', 'b']);
  });

  test('the notice that trails a chat\'s removal is not kept and asks for no list; a chat that comes back takes lines again', () => {
    const transferred = [message('b', line('1')), event({ type: 'conversationRemoved', data: { conversationId: 'b', reason: 'transferred' } })].reduce(agentReducer, held());
    expect(isUnknownChat(transferred, 'b')).toBe(false);
    const trailing = agentReducer(transferred, message('b', line('2', 'system', 'Alice transferred the chat to HomeLoanQueue.')));
    expect(trailing.transcripts.b).toBeUndefined();
    expect(isUnknownChat(trailing, 'zz')).toBe(true);
    const back = [event({ type: 'conversation', data: row('b', 'Robin') }), message('b', line('3'))].reduce(agentReducer, trailing);
    expect(back.transcripts.b?.messages.map((m) => m.id)).toEqual(['3']);
  });

  test("a line read from the pages keeps the author the stream's copy had (the pages carry none)", () => {
    const fromStream = { ...line('m1', 'agent', 'Hello'), authorId: 'alice' };
    const loaded: AgentAction = { type: 'transcriptLoaded', conversationId: 'a', pages: [{ status: 'Active', messages: [line('m1', 'agent', 'Hello'), line('m2', 'agent')], next: null, customerTypingAt: null }] };
    const state = [message('a', fromStream), loaded].reduce(agentReducer, held());
    expect(state.transcripts.a?.messages.map((m) => m.authorId)).toEqual(['alice', undefined]);
  });

  test('the transcript read from its pages keeps the stream\'s lines that are not in them, once each, after them', () => {
    const loaded: AgentAction = {
      type: 'transcriptLoaded', conversationId: 'a', pages: [
        { status: 'Active', messages: [line('1'), line('2')], next: '2', customerTypingAt: null },
        { status: 'Active', messages: [line('3')], next: null, customerTypingAt: '2024-05-01T09:01:00.000Z' },
      ],
    };
    const state = [message('a', line('3')), message('a', line('4')), loaded].reduce(agentReducer, held());
    expect(state.transcripts.a?.messages.map((m) => m.id)).toEqual(['1', '2', '3', '4']);
    expect(state.transcripts.a?.loaded).toBe(true);
    expect(state.typing.a).toBe('2024-05-01T09:01:00.000Z');
  });
});

test('presence from the stream or from the answer to a change; reset changes nothing (the hook reads the snapshot again)', () => {
  const state = run({ type: 'snapshot', workspace: workspace() }, event({ type: 'presence', data: { presence: 'Busy', since: '2024-05-01T09:05:00.000Z' } }));
  expect([state.agent?.presence, state.agent?.presenceSince]).toEqual(['Busy', '2024-05-01T09:05:00.000Z']);
  expect(agentReducer(state, { type: 'presenceChanged', presence: 'Away' }).agent?.presence).toBe('Away');
  expect(agentReducer(state, event({ type: 'reset', data: {} }))).toBe(state);
});

test('quick replies of the chat\'s workstream, filtered by what follows the / in title or text, any case', () => {
  const state = run({ type: 'snapshot', workspace: workspace() });
  expect(matchingQuickReplies(state, 'ChatWorkStream', '').map((r) => r.title)).toEqual(['Greeting', 'Card blocked']);
  expect(matchingQuickReplies(state, 'ChatWorkStream', 'CARD').map((r) => r.title)).toEqual(['Card blocked']);
  expect(matchingQuickReplies(state, 'ChatWorkStream', 'help').map((r) => r.title)).toEqual(['Greeting']);
  expect(matchingQuickReplies(state, 'OtherWorkStream', '')).toEqual([]);
});
