import { Button, Tooltip } from '@fluentui/react-components';
import { Speaker2Regular, SpeakerMuteRegular, SpeakerOffRegular } from '@fluentui/react-icons';
import { askForNotifications } from './desktopNotices';
import type { AlertSound } from './alertSound';
import { useSoundState } from './useAlerts';

const LOOK = {
  on: { label: 'Sound on', hint: 'Incoming chats ring until answered. Click to mute.', icon: <Speaker2Regular /> },
  off: { label: 'Sound off', hint: 'Click to hear incoming chats and new messages.', icon: <SpeakerMuteRegular /> },
  blocked: { label: 'Click to enable sound', hint: 'The browser keeps the page silent until you click.', icon: <SpeakerOffRegular /> },
} as const;

/**
 * The alerts switch in the top bar. A click is the gesture browsers want before a page may play sound
 * or ask to show notifications, so it does both: turns the sound on (or off) and asks for desktop
 * notifications the first time.
 */
export function SoundButton({ sound, compact }: { sound: AlertSound; compact: boolean }) {
  const state = useSoundState(sound);
  const look = LOOK[state];
  const toggle = () => {
    void sound.set(state !== 'on');
    void askForNotifications();
  };
  return (
    <Tooltip content={look.hint} relationship="description">
      <Button
        appearance={state === 'blocked' ? 'primary' : 'subtle'}
        icon={look.icon}
        onClick={toggle}
        aria-pressed={state === 'on'}
        aria-label={compact ? look.label : undefined}
      >
        {compact ? undefined : look.label}
      </Button>
    </Tooltip>
  );
}
