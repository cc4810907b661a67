import { useCallback, useEffect, useRef, useState } from 'react';
import { isApiError, type WorkspaceApi } from '../workspace/api';
import type { Insights, InsightsQuery } from '../workspace/contract';
import { messageOf } from '../workspace/useSignIn';

export type InsightsLoad =
  | { kind: 'loading' }
  | { kind: 'ready' }
  /** The server refused the query (400): its words, beside the last insights read. */
  | { kind: 'invalid'; message: string }
  | { kind: 'error'; message: string }
  /** Signed in, but no supervisor (403). */
  | { kind: 'notSupervisor'; message: string };

/** The insights of a range come back while the supervisor watches: read again this often when the range ends now. */
const REFRESH_EVERY_MS = 60_000;

/**
 * GET /api/insights as React state: read when the query changes, again on `refresh`, and every minute when
 * `live` (a range that ends now). The last insights stay shown while the next are read (`reading`) and when a
 * query is refused. A 401 means the sign-in ended (`onSignedOut`).
 */
export function useInsights(api: WorkspaceApi, query: InsightsQuery | null, live: boolean, onSignedOut: (problem: string) => void) {
  const [insights, setInsights] = useState<Insights | null>(null);
  const [load, setLoad] = useState<InsightsLoad>({ kind: 'loading' });
  const [reading, setReading] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const signedOut = useRef(onSignedOut);
  signedOut.current = onSignedOut;
  const key = JSON.stringify(query);

  useEffect(() => {
    if (query === null) return;
    const abort = new AbortController();
    setReading(true);
    api.getInsights(query, abort.signal).then(
      (read) => {
        // An answer to a query no longer asked (its read finished as the next began) is not shown.
        if (abort.signal.aborted) return;
        setInsights(read);
        setLoad({ kind: 'ready' });
        setReading(false);
      },
      (error: unknown) => {
        if (abort.signal.aborted) return;
        setReading(false);
        if (isApiError(error) && error.status === 401) signedOut.current('Your sign-in has ended: sign in again.');
        else if (isApiError(error) && error.status === 403) setLoad({ kind: 'notSupervisor', message: error.message });
        else if (isApiError(error) && error.status === 400) setLoad({ kind: 'invalid', message: error.message });
        else setLoad({ kind: 'error', message: messageOf(error) });
      },
    );
    return () => abort.abort();
    // The query by value: a new object with the same fields reads nothing again.
  }, [api, key, attempt]);

  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setAttempt((n) => n + 1), REFRESH_EVERY_MS);
    return () => clearInterval(timer);
  }, [live, key]);

  const refresh = useCallback(() => setAttempt((n) => n + 1), []);
  return { insights, load, reading, refresh };
}
