import type { Presence } from '../../shared/core/config';
import { conversationWhere, type TestClock, type TestHost } from './localHostHarness';

export type Chat = { conversationId: string; token: string };

/**
 * Plays chats with known outcomes through a test host on a clock the test moves (the insights tests): every
 * step goes through the public API and waits until the bus is idle, so the durations the KPIs measure are
 * exactly the clock's moves.
 */
export function trafficOn(host: TestHost, clock: TestClock) {
  /** Moves the clock with nothing in flight (a delivery's lock would expire under the jump). */
  async function advance(ms: number): Promise<void> {
    await host.bus.whenIdle();
    clock.advance(ms);
    await host.bus.whenIdle();
  }

  async function presence(agent: string, value: Presence): Promise<void> {
    const res = await host.api.agent(agent, 'PUT', '/presence', { presence: value });
    if (res.status !== 200) throw new Error(`${agent} → ${value}: ${res.status} ${JSON.stringify(res.body)}`);
  }

  /** A new chat, once the bot has taken it (the sample's rules give every new chat to the demo bot). */
  async function startWithTheBot(): Promise<Chat> {
    const chat = await host.api.startChat({});
    await conversationWhere(host, chat.conversationId, (c) => c.assignee?.kind === 'bot' && c.assignmentAnnounced, 'the bot to take the chat');
    return chat;
  }

  async function say(chat: Chat, text: string): Promise<void> {
    const res = await host.api.say(chat, text);
    if (res.status !== 202 && res.status !== 200) throw new Error(`say "${text}": ${res.status} ${JSON.stringify(res.body)}`);
    await host.bus.whenIdle();
  }

  async function customerEnds(chat: Chat): Promise<void> {
    const res = await host.api.call('POST', `chats/${chat.conversationId}/end`, { token: chat.token });
    if (res.status !== 200) throw new Error(`the customer's end: ${res.status} ${JSON.stringify(res.body)}`);
    await host.bus.whenIdle();
  }

  const offeredTo = (agent: string, chat: Chat) => conversationWhere(host, chat.conversationId, (c) => c.offer?.agentId === agent, `an offer to ${agent}`);

  /** An agent answers an offer (accept, reject) or acts on its chat (end, close, transfer with a body). */
  async function agentDoes(agent: string, action: string, chat: Chat, body?: unknown): Promise<void> {
    const path = action === 'accept' || action === 'reject' ? `/offers/${chat.conversationId}/${action}` : `/conversations/${chat.conversationId}/${action}`;
    const res = await host.api.agent(agent, 'POST', path, body);
    if (res.status !== 202 && res.status !== 200) throw new Error(`${agent} ${action}: ${res.status} ${JSON.stringify(res.body)}`);
    await host.bus.whenIdle();
  }

  return { advance, at: (iso: string) => advance(Date.parse(iso) - clock.now().getTime()), presence, startWithTheBot, say, customerEnds, offeredTo, agentDoes };
}
