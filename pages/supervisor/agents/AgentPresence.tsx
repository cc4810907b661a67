import { makeStyles, PresenceBadge, Text, tokens } from '@fluentui/react-components';
import type { Presence } from '../../workspace/contract';
import { PRESENCE_BADGES, PRESENCE_LABELS } from '../../workspace/format';
import { elapsed } from '../supervisorFormat';

const useStyles = makeStyles({
  root: { display: 'inline-flex', alignItems: 'center', gap: tokens.spacingHorizontalS, whiteSpace: 'nowrap' },
  since: { color: tokens.colorNeutralForeground3, fontVariantNumeric: 'tabular-nums' },
});

/** An agent's presence, its coloured badge, and how long it has been so (ticking). */
export function AgentPresence({ presence, presenceSince, nowMs }: { presence: Presence; presenceSince: string; nowMs: number }) {
  const styles = useStyles();
  const since = Date.parse(presenceSince);
  return (
    <span className={styles.root}>
      <PresenceBadge status={PRESENCE_BADGES[presence]} size="small" aria-hidden />
      <Text>{PRESENCE_LABELS[presence]}</Text>
      {Number.isFinite(since) && (
        <Text size={200} className={styles.since}>{elapsed((nowMs - since) / 1000)}</Text>
      )}
    </span>
  );
}
