import { makeStyles, Text, tokens } from '@fluentui/react-components';
import type { ChatClock } from '../../workspace/supervisorStore';
import { elapsed } from '../supervisorFormat';

const useStyles = makeStyles({
  root: { whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' },
  kind: { color: tokens.colorNeutralForeground3 },
});

/** "Waiting 1:23" for an Open chat, "Handling 4:05" for a held one (from the assignment), ticking. */
export function ChatClockText({ clock }: { clock: ChatClock | null }) {
  const styles = useStyles();
  if (!clock) return <Text className={styles.kind}>—</Text>;
  return (
    <Text className={styles.root}>
      <span className={styles.kind}>{clock.kind === 'wait' ? 'Waiting' : 'Handling'} </span>
      {elapsed(clock.seconds)}
    </Text>
  );
}
