import { gradeHealth, healthCrossings, type HealthMeasures, type HealthReport } from '../../shared/core/health';
import { DEFAULT_HEALTH } from '../../shared/config/schema';

const thresholds = { ...DEFAULT_HEALTH };
const quiet: HealthMeasures = {
  bus: { ok: true, value: [{ queue: 'dispatch', activeMessages: 0, deadLetterMessages: 0, oldestMessageAgeInMs: null }] },
  queues: { ok: true, value: [{ queue: 'DefaultQueue', waiting: 0, oldestWaitInMs: null }] },
  bots: [{ bot: 'demo-bot', delivered: 0, failed: 0 }],
};
const status = (report: HealthReport, name: string) => report.checks.find((c) => c.name === name)?.status;

describe('gradeHealth', () => {
  test('each threshold is reached at its value (at least), not only past it', () => {
    const report = gradeHealth({
      bus: { ok: true, value: [{ queue: 'dispatch', activeMessages: 1000, deadLetterMessages: 1, oldestMessageAgeInMs: 299_999 }] },
      queues: { ok: true, value: [{ queue: 'DefaultQueue', waiting: 2, oldestWaitInMs: 60_000 }] },
      bots: [{ bot: 'demo-bot', delivered: 2, failed: 2 }],
    }, thresholds);
    expect(report.status).toBe('degraded');
    expect(report.checks.map((c) => [c.name, c.status, c.value])).toEqual([
      ['busBacklog:dispatch', 'degraded', 1000],
      ['busOldestMessage:dispatch', 'ok', 299],
      ['deadLetters:dispatch', 'degraded', 1],
      ['queueWait:DefaultQueue', 'degraded', 60],
      ['botFailures:demo-bot', 'ok', 0.5],
    ]);
  });

  test('a bot needs both the share and the minimum count of failures', () => {
    const bot = (delivered: number, failed: number) => status(gradeHealth({ ...quiet, bots: [{ bot: 'b', delivered, failed }] }, thresholds), 'botFailures:b');
    expect(bot(0, 2)).toBe('ok');
    expect(bot(0, 3)).toBe('degraded');
    expect(bot(4, 3)).toBe('ok');
    expect(bot(3, 3)).toBe('degraded');
  });

  test('a source that did not answer is one failing check, named after it, with no detail; the others stand', () => {
    const report = gradeHealth({ ...quiet, bus: { ok: false, source: 'the message bus' } }, thresholds);
    expect(report.status).toBe('failing');
    expect(report.checks[0]).toEqual({ name: 'bus:read', status: 'failing', value: null, threshold: null, message: 'the message bus did not answer' });
    expect(status(report, 'queueWait:DefaultQueue')).toBe('ok');
  });
});

describe('healthCrossings', () => {
  const ok = gradeHealth(quiet, thresholds);
  const degraded = gradeHealth({ ...quiet, queues: { ok: true, value: [{ queue: 'DefaultQueue', waiting: 1, oldestWaitInMs: 61_000 }] } }, thresholds);
  const worse = gradeHealth({ ...quiet, queues: { ok: true, value: [{ queue: 'DefaultQueue', waiting: 3, oldestWaitInMs: 90_000 }] } }, thresholds);
  const failing = gradeHealth({ ...quiet, queues: { ok: false, source: 'the conversation store' } }, thresholds);
  const kinds = (a: HealthReport | undefined, b: HealthReport) => healthCrossings(a, b).map((c) => `${c.kind} ${c.check.name}`);

  test('once when a check crosses, nothing while it stays across (whatever its value), once when it recovers', () => {
    expect(kinds(undefined, ok)).toEqual([]);
    expect(kinds(ok, degraded)).toEqual(['crossed queueWait:DefaultQueue']);
    expect(kinds(degraded, worse)).toEqual([]);
    expect(kinds(worse, ok)).toEqual(['recovered queueWait:DefaultQueue']);
    expect(kinds(undefined, degraded)).toEqual(['crossed queueWait:DefaultQueue']);
  });

  test('a source that stops answering crosses; when it answers again, its failing check recovers and what it measures is graded anew', () => {
    expect(kinds(degraded, failing)).toEqual(['crossed queueWait:read', 'recovered queueWait:DefaultQueue']);
    expect(kinds(failing, degraded)).toEqual(['crossed queueWait:DefaultQueue', 'recovered queueWait:read']);
  });
});
