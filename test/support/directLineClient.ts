import { ConnectionStatus, DirectLine, type Activity as ClientActivity } from 'botframework-directlinejs';
import type { Activity } from '../../shared/core/activity';
import WebSocket from 'ws';
import { eventually } from './localHostHarness';

/** DLJS in Node (faces.md A.6): it wants the browser's XMLHttpRequest and WebSocket. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
(globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest ??= require('xhr2');
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

export interface VisitorToken {
  conversationId: string;
  token: string;
}

/** A token for an anonymous visitor of the sample site, as the hosted page gets one. */
export async function visitorToken(baseUrl: string, body: unknown = {}): Promise<VisitorToken> {
  const response = await fetch(`${baseUrl}/api/directline/sites/support/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status !== 201) throw new Error(`visitor token: ${response.status} ${await response.text()}`);
  return (await response.json()) as VisitorToken;
}

/**
 * botframework-directlinejs 0.15.5 as Web Chat drives it, recording every activity and status. Its
 * reconnect waits 3 s (the least of its random 3-15 s) so that tests of a dropped stream stay short.
 */
export class DirectLineClient {
  readonly activities: Activity[] = [];
  readonly statuses: ConnectionStatus[] = [];
  /** What DLJS gave up with ("conversation ended" once its host is gone for good). */
  readonly errors: unknown[] = [];
  readonly directLine: DirectLine;

  constructor(baseUrl: string, options: { token: string; conversationId?: string; webSocket: boolean; watermark?: string; pollingInterval?: number }, readonly conversationId: string) {
    this.directLine = new DirectLine({ domain: `${baseUrl}/api/directline`, pollingInterval: 200, random: () => 0, ...options });
    this.directLine.activity$.subscribe((activity) => void this.activities.push(activity as unknown as Activity), (error: unknown) => void this.errors.push(error));
    this.directLine.connectionStatus$.subscribe((status) => void this.statuses.push(status));
  }

  get userId(): string {
    const payload = JSON.parse(Buffer.from(this.token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { user: string };
    return payload.user;
  }

  /** The current token (DLJS replaces it on every reconnect). */
  get token(): string {
    return (this.directLine as unknown as { token: string }).token;
  }

  /** Posts as Web Chat does: from the user, with a clientActivityID the echo must carry back. */
  post(activity: Partial<Activity> & { type: string }): Promise<string> {
    const full = { from: { id: this.userId, role: 'user' }, ...activity } as unknown as ClientActivity;
    return new Promise((resolve, reject) => this.directLine.postActivity(full).subscribe(resolve, reject));
  }

  say(text: string, clientActivityID: string): Promise<string> {
    return this.post({ type: 'message', text, channelData: { clientActivityID } } as Partial<Activity> & { type: string });
  }

  /** The first activity received that matches, waiting for it with a deadline. */
  received(what: string, predicate: (activity: Activity) => boolean, timeoutInMs = 15_000): Promise<Activity> {
    return eventually(what, async () => this.activities.find(predicate), timeoutInMs);
  }

  online(): Promise<true> {
    return eventually('the client to be online', async () => (this.directLine.connectionStatus$.getValue() === ConnectionStatus.Online ? true : undefined));
  }

  end(): void {
    this.directLine.end();
  }
}

/** Text of the activity, whatever its type. */
export const textOf = (activity: Activity): string | undefined => (activity as { text?: string }).text;
