import { makeStyles, PresenceBadge, tokens } from '@fluentui/react-components';
import { PRESENCES, type Presence } from '../../workspace/contract';
import { PRESENCE_BADGES, PRESENCE_LABELS } from '../../workspace/format';

const useStyles = makeStyles({
  root: { display: 'inline-flex', gap: tokens.spacingHorizontalS, alignItems: 'center' },
  one: { display: 'inline-flex', gap: tokens.spacingHorizontalXXS, alignItems: 'center', whiteSpace: 'nowrap' },
});

/** A queue's agents counted by presence, each count beside its badge ("2 Available, 1 Offline" to a screen reader). */
export function AgentsByPresence({ counts }: { counts: Record<Presence, number> }) {
  const styles = useStyles();
  const present = PRESENCES.filter((p) => (counts[p] ?? 0) > 0);
  if (present.length === 0) return <span>none</span>;
  const said = present.map((p) => `${counts[p]} ${PRESENCE_LABELS[p]}`).join(', ');
  return (
    <span className={styles.root} role="img" aria-label={said} title={said}>
      {present.map((p) => (
        <span key={p} className={styles.one}>
          <PresenceBadge status={PRESENCE_BADGES[p]} size="extra-small" />
          {counts[p]}
        </span>
      ))}
    </span>
  );
}
