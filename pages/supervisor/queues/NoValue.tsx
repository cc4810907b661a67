import { makeStyles, tokens, Tooltip } from '@fluentui/react-components';

const useStyles = makeStyles({
  mark: { color: tokens.colorNeutralForeground3, cursor: 'help' },
});

/** "—" for a rate or an average with nothing to divide by, and why on hover or focus. */
export function NoValue({ why }: { why: string }) {
  const styles = useStyles();
  return (
    <Tooltip content={why} relationship="description" withArrow>
      <span className={styles.mark} tabIndex={0}>—</span>
    </Tooltip>
  );
}
