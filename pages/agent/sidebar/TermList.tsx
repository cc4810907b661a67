import { makeStyles, tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';

const useStyles = makeStyles({
  rows: { display: 'grid', gridTemplateColumns: 'minmax(6rem, auto) 1fr', columnGap: tokens.spacingHorizontalM, rowGap: tokens.spacingVerticalXXS, margin: 0 },
  pair: { display: 'contents' },
  term: { color: tokens.colorNeutralForeground3, overflowWrap: 'anywhere' },
  value: { margin: 0, overflowWrap: 'anywhere', display: 'flex', gap: tokens.spacingHorizontalXS, alignItems: 'baseline', flexWrap: 'wrap' },
});

/** Name: value pairs as a description list, names in a column of their own. */
export function TermList({ rows }: { rows: [term: string, value: ReactNode][] }) {
  const styles = useStyles();
  return (
    <dl className={styles.rows}>
      {rows.map(([term, value]) => (
        <div key={term} className={styles.pair}>
          <dt className={styles.term}>{term}</dt>
          <dd className={styles.value}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
