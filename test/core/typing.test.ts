import { typingActivity } from '../../shared/core/directLineActivities';
import { freshSignal, isFresh, TYPING_LIFETIME_IN_MS } from '../../shared/core/typing';

const now = new Date('2024-05-01T09:00:10.000Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

test('a typing counts for 5 s, as long as Web Chat shows its indicator', () => {
  expect(TYPING_LIFETIME_IN_MS).toBe(5000);
  expect(isFresh({ at: ago(0) }, now)).toBe(true);
  expect(isFresh({ at: ago(4999) }, now)).toBe(true);
  expect(isFresh({ at: ago(5000) }, now)).toBe(false);
  expect(freshSignal({ at: ago(6000) }, now)).toBeUndefined();
  expect(freshSignal(undefined, now)).toBeUndefined();
});

test("another instance's clock a little ahead does not hide a typing; one far ahead does", () => {
  expect(isFresh({ at: ago(-1000) }, now)).toBe(true);
  expect(isFresh({ at: ago(-60_000) }, now)).toBe(false);
});

test('a typing activity: role bot, the name, no text, an id of its own per signal', () => {
  const chat = { id: 'c-1', customer: { id: 'dl_dana', name: 'Dana' } };
  const names = { nameOf: (id: string) => (id === 'alice' ? 'Alice Agent' : id), systemName: 'Contoso Support' };
  const activity = typingActivity(chat, { userId: 'alice', at: ago(0), kind: 'agent' }, names);
  expect(activity).toEqual({
    type: 'typing', id: `c-1|typing-${now.getTime()}`, timestamp: now.toISOString(), channelId: 'directline', conversation: { id: 'c-1' },
    from: { id: 'alice', name: 'Alice Agent', role: 'bot' }, channelData: { switchboard: { kind: 'agent' } },
  });
  expect(typingActivity(chat, { userId: 'alice', at: ago(3000), kind: 'agent' }, names).id).not.toBe(activity.id);
});
