import { makeStyles, ProgressBar, Text, tokens } from '@fluentui/react-components';

const useStyles = makeStyles({
  root: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, minWidth: '120px' },
  bar: { flexGrow: 1, minWidth: '60px' },
  figure: { whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' },
});

/** Capacity units used of the agent's capacity, as a bar and "1/2 used"; full is shown in the warning colour. */
export function CapacityBar({ agentName, usedUnits, capacity }: { agentName: string; usedUnits: number; capacity: number }) {
  const styles = useStyles();
  const fraction = capacity > 0 ? Math.min(1, usedUnits / capacity) : 1;
  return (
    <span className={styles.root}>
      <ProgressBar
        className={styles.bar}
        value={fraction}
        max={1}
        thickness="large"
        color={fraction >= 1 ? 'warning' : 'brand'}
        aria-label={`${agentName}'s capacity: ${usedUnits} of ${capacity} units used`}
      />
      <Text size={200} className={styles.figure}>{usedUnits}/{capacity} used</Text>
    </span>
  );
}
