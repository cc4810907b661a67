import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { isApiError, type ApiError, type WorkspaceApi } from '../workspace/api';
import { SUPERVISOR_EVENT_TYPES, type StreamEvent, type SupervisorEvent } from '../workspace/contract';
import { initialSupervisorState, supervisorReducer } from '../workspace/supervisorStore';
import { useLiveStream } from '../workspace/useLiveStream';
import { messageOf } from '../workspace/useSignIn';

export type BoardLoad =
  | { kind: 'loading' }
  | { kind: 'ready'; cursor: string }
  | { kind: 'error'; message: string }
  /** The server refused this user the supervisor's routes (403): signed in, but no supervisor. */
  | { kind: 'notSupervisor'; message: string };

/**
 * The supervisor's board as React state: the overview read once, then the supervisor's stream applied to
 * the store (supervisorStore.ts); a `reset` reads the overview again. A 403 from either is the "not a
 * supervisor" screen; a 401 means the sign-in ended (`onSignedOut`).
 */
export function useSupervisorBoard(api: WorkspaceApi, onSignedOut: (problem: string) => void) {
  const [state, dispatch] = useReducer(supervisorReducer, initialSupervisorState);
  const [load, setLoad] = useState<BoardLoad>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  // The latest callback, without reading the overview again when its identity changes.
  const signedOut = useRef(onSignedOut);
  signedOut.current = onSignedOut;

  const refused = useCallback((error: ApiError) => {
    if (error.status === 403) setLoad({ kind: 'notSupervisor', message: error.message });
    else signedOut.current('Your sign-in has ended: sign in again.');
  }, []);

  const readOverview = useCallback(async () => {
    const overview = await api.getOverview();
    dispatch({ type: 'snapshot', overview });
    return overview.cursor;
  }, [api]);

  useEffect(() => {
    let cancelled = false;
    setLoad({ kind: 'loading' });
    readOverview().then(
      (cursor) => !cancelled && setLoad({ kind: 'ready', cursor }),
      (error: unknown) => {
        if (cancelled) return;
        if (isApiError(error) && (error.status === 401 || error.status === 403)) refused(error);
        else setLoad({ kind: 'error', message: messageOf(error) });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [readOverview, refused, attempt]);

  const onEvent = useCallback((raw: StreamEvent) => {
    if (SUPERVISOR_EVENT_TYPES.has(raw.type)) dispatch({ type: 'event', event: raw as SupervisorEvent });
  }, []);

  const live = useLiveStream({
    api,
    path: api.supervisorEventsPath,
    listEvents: (after, wait, signal) => api.listSupervisorEvents(after, wait, signal),
    cursor: load.kind === 'ready' ? load.cursor : null,
    onEvent,
    onReset: readOverview,
    onRefused: refused,
  });

  return { state, load, live, retry: () => setAttempt((n) => n + 1) };
}
