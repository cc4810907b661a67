import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP link between the browser and the test host that a test can cut as a network drop does: every
 * connection through it is reset, and new ones are refused until it is restored. Chromium's offline
 * emulation (context.setOffline) only fails new requests: a stream already open goes on through it (seen
 * with the agent page's SSE, still delivering events 20 s into "offline"), so a test of a dropped stream
 * needs the wire itself cut. Only what the browser opens goes through the link; test clients call the host.
 */
export class CuttableLink {
  private readonly pairs = new Set<[Socket, Socket]>();
  private readonly server = createServer((client) => this.accept(client));
  private isCut = false;

  private constructor(private readonly upstream: URL) {}

  /** A link to `target` (the host's base URL, plain HTTP), on a loopback port of its own: `url` reaches the host through it. */
  static async open(target: string): Promise<CuttableLink> {
    const link = new CuttableLink(new URL(target));
    await new Promise<void>((resolve) => link.server.listen(0, '127.0.0.1', resolve));
    return link;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resets every open connection; new ones are reset as they come, until restore(). */
  cut(): void {
    this.isCut = true;
    for (const pair of this.pairs) this.drop(pair);
  }

  restore(): void {
    this.isCut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.isCut) {
      client.resetAndDestroy();
      return;
    }
    const server = connect(Number(this.upstream.port), this.upstream.hostname);
    const pair: [Socket, Socket] = [client, server];
    this.pairs.add(pair);
    client.pipe(server).pipe(client);
    // An end or a failure on one side ends the other (pipe passes a clean end on, after the data before it).
    const forget = () => this.pairs.delete(pair);
    client.on('close', forget).on('error', () => server.destroy());
    server.on('close', forget).on('error', () => client.destroy());
  }

  /** A reset, not a clean end: the browser sees the connection fail, as when the network goes. */
  private drop(pair: [Socket, Socket]): void {
    this.pairs.delete(pair);
    const [client, server] = pair;
    if (!client.destroyed) client.resetAndDestroy();
    server.destroy();
  }
}
