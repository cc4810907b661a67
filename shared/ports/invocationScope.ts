import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The function invocation that a telemetry item is emitted in: which function, and the traceparent of what
 * caused it (the bus message it handles, or an HTTP request's `traceparent` header). The host's registry
 * (host/registry.ts) opens the scope around every handler, on both hosts; the telemetry adapter reads it,
 * so the use cases keep calling `trackEvent` as before and their items still name their cause.
 */
export interface InvocationScope {
  /** The registered function's name (`conversationCommands`, `dispatch`, `botDeliveries`, `chatsStart`, ...). */
  functionName: string;
  /** A W3C traceparent, when the invocation was given one. */
  traceparent?: string;
}

const scopes = new AsyncLocalStorage<InvocationScope>();

export function runInInvocation<T>(scope: InvocationScope, run: () => T): T {
  return scopes.run(scope, run);
}

/** The invocation the caller runs in; undefined outside any (a timer of the local host, a test). */
export function currentInvocation(): InvocationScope | undefined {
  return scopes.getStore();
}
