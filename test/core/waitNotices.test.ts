import { knownAverageWaitSeconds, recordWaitSample, WAIT_AVERAGE_MIN_SAMPLES, type QueueStats } from '../../shared/core/queueStats';
import { decideWaitNotices, localize, positionIntervalMs, waitNoticeText, type WaitObservation, type WaitState } from '../../shared/core/waitNotices';

const T0 = Date.parse('2024-05-01T09:00:00.000Z');
const iso = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const BOTH = { queuePosition: true, averageWaitTime: true };

/** Feeds observations in order; what was said at each. */
function run(observations: Omit<WaitObservation, 'queue' | 'enqueuedAt'>[], settings = BOTH): { said: string[][]; state: WaitState | null } {
  let state: WaitState | null = null;
  const said = observations.map((seen) => {
    const decided = decideWaitNotices(state, { queue: 'Q', enqueuedAt: iso(0), ...seen }, settings);
    state = decided.state;
    return decided.notices.map((n) => (n.kind === 'averageWait' ? `average ${n.seconds}` : `${n.kind} ${n.position}`));
  });
  return { said, state };
}

describe('wait notices (pure)', () => {
  test('the cadence: every 30 s up to place 150, every 60 s past it', () => {
    expect([1, 2, 150, 151, 1000].map(positionIntervalMs)).toEqual([30_000, 30_000, 30_000, 60_000, 60_000]);
  });

  test('a place is said when it changed and 30 s have passed since the last; "next in line" at place 1', () => {
    const { said } = run([
      { position: 4, averageWaitSeconds: null, at: iso(30) },
      { position: 4, averageWaitSeconds: null, at: iso(60) }, // unchanged
      { position: 3, averageWaitSeconds: null, at: iso(50) }, // changed, but 20 s after the last
      { position: 2, averageWaitSeconds: null, at: iso(90) },
      { position: 1, averageWaitSeconds: null, at: iso(120) },
      { position: 1, averageWaitSeconds: null, at: iso(150) },
    ]);
    expect(said).toEqual([['queuePosition 4'], [], [], ['queuePosition 2'], ['nextInLine 1'], []]);
  });

  test('past place 150 a changed place waits 60 s', () => {
    const { said } = run([
      { position: 200, averageWaitSeconds: null, at: iso(30) },
      { position: 190, averageWaitSeconds: null, at: iso(60) },
      { position: 180, averageWaitSeconds: null, at: iso(90) },
      { position: 140, averageWaitSeconds: null, at: iso(120) },
      { position: 130, averageWaitSeconds: null, at: iso(150) },
    ]);
    expect(said).toEqual([['queuePosition 200'], [], ['queuePosition 180'], ['queuePosition 140'], ['queuePosition 130']]);
  });

  test('the average is said once per wait, only when known and over a minute', () => {
    const { said } = run([
      { position: 5, averageWaitSeconds: null, at: iso(30) },
      { position: 5, averageWaitSeconds: 60, at: iso(60) },
      { position: 5, averageWaitSeconds: 61, at: iso(90) },
      { position: 5, averageWaitSeconds: 300, at: iso(120) },
    ], { queuePosition: false, averageWaitTime: true });
    expect(said).toEqual([[], [], ['average 61'], []]);
  });

  test('a new wait (another queue, or entering again) starts over', () => {
    const first = decideWaitNotices(null, { queue: 'Q', enqueuedAt: iso(0), position: 2, averageWaitSeconds: 120, at: iso(30) }, BOTH);
    expect(first.notices).toHaveLength(2);
    const again = decideWaitNotices(first.state, { queue: 'Q', enqueuedAt: iso(40), position: 2, averageWaitSeconds: 120, at: iso(45) }, BOTH);
    expect(again.notices.map((n) => n.kind)).toEqual(['queuePosition', 'averageWait']);
  });

  test('texts: placeholders, the locale, its language, then default, then built-in', () => {
    const messages = { queuePosition: { 'fr-FR': 'Devant vous : {ahead} ({queue})', de: 'Vor Ihnen: {ahead}', default: 'Ahead: {ahead}, place {position}' }, averageWait: 'About {minutes} min ({duration})' };
    const place = { kind: 'queuePosition', position: 3 } as const;
    expect(waitNoticeText(place, messages, 'fr-FR', 'Q')).toBe('Devant vous : 2 (Q)');
    expect(waitNoticeText(place, messages, 'de-AT', 'Q')).toBe('Vor Ihnen: 2');
    expect(waitNoticeText(place, messages, 'es', 'Q')).toBe('Ahead: 2, place 3');
    expect(waitNoticeText(place, messages, undefined, 'Q')).toBe('Ahead: 2, place 3');
    expect(waitNoticeText({ kind: 'averageWait', seconds: 3_901 }, messages, undefined, 'Q')).toBe('About 66 min (1 hour 6 minutes)');
    expect(waitNoticeText({ kind: 'nextInLine', position: 1 }, {}, 'fr-FR', 'Q')).toBe("You're next in line. An agent will be with you shortly.");
    expect(localize({ 'en-US': 'x' }, 'fr')).toBeUndefined();
  });
});

describe('queue average wait (pure)', () => {
  const answered = (count: number, waitedMs: number, from?: QueueStats, startSeconds = 0) => {
    let stats = from;
    for (let i = 0; i < count; i++) stats = recordWaitSample(stats, 'Q', waitedMs, iso(startSeconds + i));
    return stats!;
  };

  test('is known only after 20 answered chats, as a moving average', () => {
    const nineteen = answered(WAIT_AVERAGE_MIN_SAMPLES - 1, 120_000);
    expect(knownAverageWaitSeconds(nineteen, iso(100))).toBeNull();
    const twenty = answered(1, 120_000, nineteen, 50);
    expect(knownAverageWaitSeconds(twenty, iso(100))).toBe(120);
    // One quick answer moves it a fifth of the way.
    expect(knownAverageWaitSeconds(recordWaitSample(twenty, 'Q', 20_000, iso(101)), iso(102))).toBe(100);
  });

  test('starts over after 7 days without an answered chat', () => {
    const stats = answered(30, 120_000);
    const week = 7 * 86_400;
    expect(knownAverageWaitSeconds(stats, iso(week + 29))).toBeNull();
    expect(recordWaitSample(stats, 'Q', 5_000, iso(week + 29))).toEqual({ queue: 'Q', averageWaitMs: 5_000, samples: 1, updatedAt: iso(week + 29) });
  });
});
