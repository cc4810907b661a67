import type { HttpResponseInit } from '@azure/functions';

/**
 * What the HTTP functions read of a request: the part of `@azure/functions`' HttpRequest they use.
 * The Functions host passes its HttpRequest, which has all of it; the local host passes a plain
 * object over Node's request, without the fetch Request, web streams and abort signal that make an
 * HttpRequest cost more than the rest of a bot message's handling.
 */
export interface EdgeRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: {
    /** A header's value, repeated ones joined with ", "; null when absent. Names are case-insensitive. */
    get(name: string): string | null;
    entries(): Iterable<[string, string]>;
  };
  readonly params: Readonly<Record<string, string | undefined>>;
  /** The peer's address as the socket saw it; the local host sets it, the Functions host has none (see http/rateLimit.ts). */
  readonly clientAddress?: string;
  readonly query: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

/** The invocation's logger, as InvocationContext provides it. */
export interface EdgeContext {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export type EdgeHandler = (request: EdgeRequest, context: EdgeContext) => Promise<HttpResponseInit>;
