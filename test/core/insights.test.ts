import { botOutcomeOf } from '../../shared/core/botKpis';
import type { StoredFeedEvent } from '../../shared/core/feed';
import { countsForInsights, emptyHour, foldHour, insightLogEvents, insightsRows, OTHER_REASON, rowKey, summarizeInsights, type InsightEvent } from '../../shared/core/insights';

const HOUR = '2026-11-30T08:00:00.000Z';
let seq = 0;
const stored = (event: InsightEvent, at = HOUR): StoredFeedEvent => ({ scope: `insights:W:${HOUR}`, id: `e${++seq}`, seq, type: 'insight', at, data: event as unknown as Record<string, unknown> });
const botEnded = (outcome: string, endedBy: string, botTimeMs: number, extra: Record<string, string> = {}): InsightEvent => ({
  name: 'BotSessionEnded', properties: { bot: 'b', queue: 'BotQ', rule: 'BotRule', outcome, endedBy, ...extra }, measurements: { botTimeMs },
});

beforeEach(() => {
  seq = 0;
});

describe('what a bot session counts as', () => {
  it.each([
    ['resolved', 'bot', 'resolvedByBot'],
    ['abandoned', 'customer', 'resolvedByCustomer'],
    ['abandoned', 'disconnected', 'abandoned'],
    ['abandoned', 'system', 'abandoned'],
    ['escalated', 'bot', 'escalated'],
    ['escalated', 'system', 'escalated'],
    ['forceClosed', 'supervisor', 'other'],
  ])('outcome %s ended by %s: %s', (outcome, endedBy, counted) => {
    expect(botOutcomeOf(botEnded(outcome, endedBy, 0))).toBe(counted);
  });
});

describe('folding an hour', () => {
  it('counts each event once: a fold from a position skips what it already holds', () => {
    const events = [stored(botEnded('resolved', 'bot', 10_000)), stored(botEnded('escalated', 'bot', 20_000, { topic: 'Cards' }))];
    const once = foldHour(emptyHour('W', HOUR), events);
    expect(foldHour(once, events)).toEqual(once);
    expect(once.throughSeq).toBe(2);
    expect(once.bots[rowKey(['b', 'BotQ', 'BotRule', ''])]).toMatchObject({ sessions: 1, resolvedByBot: 1, botMs: 10_000 });
    expect(once.bots[rowKey(['b', 'BotQ', 'BotRule', 'Cards'])]).toMatchObject({ sessions: 1, escalated: 1, escalatedMs: 20_000 });
  });

  it('keeps queue rows by queue and agent, offers by their queue, and nothing a KPI does not count', () => {
    const hour = foldHour(emptyHour('W', HOUR), [
      stored({ name: 'Routed', properties: { queue: 'Q', reason: 'escalation' } }),
      stored({ name: 'Offered', properties: { queue: 'Q', agent: 'alice' } }),
      stored({ name: 'OfferRejected', properties: { queue: 'Q', agent: 'alice' } }),
      stored({ name: 'Assigned', properties: { queue: 'Q', agent: 'bob', firstAgent: 'true' }, measurements: { waitMs: 15_000 } }),
      stored({ name: 'PresenceChanged', properties: { agent: 'bob' } }),
    ]);
    expect(Object.keys(hour.queues).sort()).toEqual([rowKey(['Q', '']), rowKey(['Q', 'alice']), rowKey(['Q', 'bob'])]);
    expect(hour.queues[rowKey(['Q', 'alice'])]).toMatchObject({ offered: 1, rejected: 1 });
    // Every threshold Omnichannel offers is counted, so configuring another later needs no recount.
    expect(hour.queues[rowKey(['Q', 'bob'])]?.answeredWithin).toEqual({ 20: 1, 30: 1, 40: 1, 60: 1, 120: 1 });
  });

  it('counts escalation reasons per "variable = value", folding values past the cap into one bucket', () => {
    const escalations = Array.from({ length: 55 }, (_, i) => stored({ name: 'Escalated', properties: { bot: 'b', botContext: JSON.stringify({ Order: `o-${i}`, Topic: 'Cards' }) } }));
    const hour = foldHour(emptyHour('W', HOUR), [...escalations, stored({ name: 'Escalated', properties: { bot: 'b', botContext: 'not json' } })]);
    const reasons = hour.reasons.b ?? {};
    expect(reasons['Topic = Cards']).toBe(55);
    expect(Object.keys(reasons)).toHaveLength(51);
    expect(reasons[OTHER_REASON]).toBe(6);
  });
});

describe('the log', () => {
  it('keeps only what the insights count, under ids that name the change', () => {
    const events = insightLogEvents('W', '2026-11-30T08:59:59.999Z', 'cmd-1', [
      { name: 'ConversationStarted', properties: {} },
      { name: 'BotSessionEnded', properties: { bot: 'b', outcome: 'resolved' } },
      { name: 'Routed', properties: { queue: 'Q', reason: 'transfer' } },
      { name: 'Routed', properties: { queue: 'Q', reason: 'start' } },
    ]);
    expect(events.map((e) => [e.scope, e.id])).toEqual([[`insights:W:${HOUR}`, 'insight:cmd-1:1'], [`insights:W:${HOUR}`, 'insight:cmd-1:3']]);
    expect(countsForInsights({ name: 'OfferExpired', properties: { queue: 'Q' } })).toBe(true);
    expect(countsForInsights({ name: 'CapacityReleased', properties: {} })).toBe(false);
  });
});

describe('summaries', () => {
  const hours = [
    foldHour(emptyHour('W', '2026-11-30T08:00:00.000Z'), [stored(botEnded('resolved', 'bot', 30_000)), stored({ name: 'Routed', properties: { queue: 'Q', reason: 'start' } })]),
    foldHour(emptyHour('W', '2026-11-30T10:00:00.000Z'), [stored(botEnded('escalated', 'bot', 60_000)), stored({ name: 'Routed', properties: { queue: 'R', reason: 'start' } })]),
  ];

  it('a series has every period of the range, zero where nothing happened', () => {
    const summary = summarizeInsights(hours, { from: '2026-11-30T08:00:00.000Z', to: '2026-11-30T12:00:00.000Z', granularity: 'hour' }, [20]);
    expect(summary.bots.series.map((p) => [p.start.slice(11, 13), p.botConversations])).toEqual([['08', 1], ['09', 0], ['10', 1], ['11', 0]]);
    expect(summary.bots.series[1]).toMatchObject({ resolutionRate: null, averageBotSessionSeconds: null });
    expect(summary.bots.total).toMatchObject({ botConversations: 2, resolutionRate: 0.5, averageBotSessionSeconds: 45 });
  });

  it('a queue filter keeps that queue\'s rows and the bots that serve from it', () => {
    const summary = summarizeInsights(hours, { from: '2026-11-30T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', granularity: 'day', queue: 'R' }, [20]);
    expect(summary.queues.byQueue.map((q) => q.queue)).toEqual(['R']);
    expect(summary.bots.total.botConversations).toBe(0);
    expect(summary.queues.series).toHaveLength(1);
  });

  it('the export has one row per period and workstream, queue, agent or bot', () => {
    const rows = insightsRows(hours, { from: '2026-11-30T08:00:00.000Z', to: '2026-11-30T12:00:00.000Z', granularity: 'hour' }, [20]);
    expect(rows.map((r) => [r.period.slice(11, 13), r.family, r.name])).toEqual([
      ['08', 'bot', 'b'], ['08', 'workstream', 'W'], ['08', 'queue', 'Q'], ['10', 'bot', 'b'], ['10', 'workstream', 'W'], ['10', 'queue', 'R'],
    ]);
  });
});
