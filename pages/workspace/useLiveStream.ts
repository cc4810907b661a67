import { useEffect, useRef, useState } from 'react';
import type { ApiError } from './api';
import { LiveStream, type ConnectionState, type LiveStreamOptions } from './liveStream';

type Callbacks = Pick<LiveStreamOptions, 'onEvent' | 'onReset' | 'onRefused'>;

export interface LiveStreamHandle {
  state: ConnectionState;
  /** The banner's "Try now". */
  retryNow: () => void;
}

/**
 * The one hook that owns a page's live stream (liveStream.ts does the work): it starts from the
 * snapshot's cursor once there is one, follows it while the page is signed in, tries again at once
 * when the browser comes back online, and stops when the page unmounts or the path changes. The
 * callbacks may change on every render; the stream reads the latest.
 */
export function useLiveStream(options: Omit<LiveStreamOptions, 'cursor' | 'onState' | keyof Callbacks> & Callbacks & { cursor: string | null }): LiveStreamHandle {
  const [state, setState] = useState<ConnectionState>('connecting');
  const callbacks = useRef<Callbacks>(options);
  callbacks.current = options;
  const stream = useRef<LiveStream | undefined>(undefined);
  const { api, path, listEvents, cursor } = options;
  const started = cursor !== null;

  useEffect(() => {
    if (cursor === null) return;
    const live = new LiveStream({
      api, path, listEvents, cursor,
      onEvent: (event) => callbacks.current.onEvent(event),
      onReset: () => callbacks.current.onReset(),
      onRefused: (error: ApiError) => callbacks.current.onRefused(error),
      onState: setState,
    });
    stream.current = live;
    void live.run();
    const online = () => live.retryNow();
    window.addEventListener('online', online);
    return () => {
      window.removeEventListener('online', online);
      live.stop();
    };
    // The stream starts once from the first cursor; later snapshots (a reset) give the stream their cursor themselves.
  }, [api, path, started]);

  return { state, retryNow: () => stream.current?.retryNow() };
}
