import { Button, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import type { ConnectionState } from './liveStream';

/**
 * The live stream's state, when it is not simply live: reconnecting (a dropped stream being resumed;
 * nothing is lost) or offline (several tries failed; the page keeps trying, and says so).
 */
export function ConnectionBanner({ state, onRetry }: { state: ConnectionState; onRetry: () => void }) {
  if (state === 'live' || state === 'connecting') return null;
  const offline = state === 'offline';
  return (
    <MessageBar intent={offline ? 'error' : 'warning'} role="status">
      <MessageBarBody>
        <MessageBarTitle>{offline ? 'Offline' : 'Reconnecting…'}</MessageBarTitle>
        {offline
          ? 'Switchboard cannot be reached. New chats and messages will show when the connection is back.'
          : 'The live connection dropped; catching up without losing anything.'}
      </MessageBarBody>
      {offline && (
        <MessageBarActions>
          <Button onClick={onRetry}>Try now</Button>
        </MessageBarActions>
      )}
    </MessageBar>
  );
}
