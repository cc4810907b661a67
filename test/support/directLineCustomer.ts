import type { Activity } from '../../shared/core/activity';
import { eventually } from './localHostHarness';

/**
 * Microsoft's own Direct Line client (botframework-directlinejs 0.15.5, the one Web Chat 4.18.1 pins)
 * in Node, as a customer's page runs it: XMLHttpRequest and WebSocket come from xhr2 and ws.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
(globalThis as Record<string, unknown>).XMLHttpRequest ??= require('xhr2');
// eslint-disable-next-line @typescript-eslint/no-require-imports
(globalThis as Record<string, unknown>).WebSocket ??= require('ws');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DirectLine, ConnectionStatus } = require('botframework-directlinejs') as typeof import('botframework-directlinejs');

export { ConnectionStatus };

export interface DirectLineOptions {
  token: string;
  domain: string;
  webSocket?: boolean;
  conversationId?: string;
  watermark?: string;
  pollingInterval?: number;
}

/** A connected client: what it received (deduplicated by id, as Web Chat does), its statuses, and posting. */
export class DirectLineCustomer {
  readonly activities: Activity[] = [];
  readonly statuses: number[] = [];
  readonly errors: Error[] = [];
  readonly client: InstanceType<typeof DirectLine>;
  private readonly subscriptions: { unsubscribe(): void }[] = [];

  constructor(options: DirectLineOptions) {
    this.client = new DirectLine({ webSocket: false, pollingInterval: 200, ...options });
    this.subscriptions.push(this.client.connectionStatus$.subscribe((status) => this.statuses.push(status)));
    this.subscriptions.push(this.client.activity$.subscribe({
      next: (activity) => {
        const received = activity as unknown as Activity;
        const known = this.activities.findIndex((a) => a.id !== undefined && a.id === received.id);
        if (known >= 0) this.activities[known] = received;
        else this.activities.push(received);
      },
      // A failed connect ends the stream with an error (the status says which); Web Chat shows it, a test reads it.
      error: (error: Error) => this.errors.push(error),
    }));
  }

  /** Resolves with the activity id the server answered; rejects with the status of a refusal. */
  post(activity: Partial<Activity> & { type: string }): Promise<string> {
    return new Promise((resolve, reject) => {
      this.client.postActivity({ from: { id: 'whoever-the-client-says' }, ...activity } as never).subscribe({
        next: (id: string) => (id === 'retry' ? reject(new Error('retry')) : resolve(id)),
        error: (error: { status?: number }) => reject(Object.assign(new Error(`post failed: ${error.status}`), { status: error.status })),
      });
    });
  }

  /** Waits for an activity that matches, with a deadline. */
  waitFor(what: string, predicate: (activity: Activity) => boolean, timeoutInMs = 15_000): Promise<Activity> {
    return eventually(what, async () => this.activities.find(predicate), timeoutInMs);
  }

  waitForStatus(status: number, timeoutInMs = 15_000): Promise<number> {
    return eventually(`connection status ${status}`, async () => (this.statuses.includes(status) ? status : undefined), timeoutInMs);
  }

  texts(): string[] {
    return this.activities.filter((a) => a.type === 'message').map((a) => `${a.from?.role}/${a.from?.name}: ${a.text ?? ''}`);
  }

  end(): void {
    this.subscriptions.forEach((s) => s.unsubscribe());
    this.client.end();
  }
}

/** A token for an anonymous visitor of `site`, as the hosted page gets one. */
export async function visitorToken(baseUrl: string, site: string, body: Record<string, unknown> = {}): Promise<{ conversationId: string; token: string; expires_in: number }> {
  const response = await fetch(`${baseUrl}/api/directline/sites/${site}/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status !== 201) throw new Error(`visitor token: ${response.status} ${await response.text()}`);
  return (await response.json()) as { conversationId: string; token: string; expires_in: number };
}
