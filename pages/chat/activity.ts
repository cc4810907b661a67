/**
 * An activity as the page reads it (Direct Line 3.0), and who sent it: Switchboard marks its own
 * notices and its agents in `channelData.switchboard.kind`; everything else that is not the customer is the bot.
 */
export interface Activity {
  type: string;
  id?: string;
  text?: string;
  name?: string;
  from?: { id?: string; name?: string; role?: string };
  channelData?: { switchboard?: { kind?: string } } & Record<string, unknown>;
}

export type SenderKind = 'system' | 'agent' | 'bot';

export function senderKind(activity: Activity): SenderKind | undefined {
  if (activity.from?.role === 'user') return undefined;
  const kind = activity.channelData?.switchboard?.kind;
  return kind === 'system' || kind === 'agent' ? kind : 'bot';
}

export function initials(name: string | undefined): string {
  const words = (name ?? '').trim().split(/\s+/).filter((w) => /\p{L}|\p{N}/u.test(w));
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return letters.map((w) => Array.from(w as string)[0]?.toUpperCase() ?? '').join('') || '?';
}
