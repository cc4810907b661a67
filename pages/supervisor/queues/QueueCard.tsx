import { Card, makeStyles, Text, tokens } from '@fluentui/react-components';
import type { QueueBoardRow } from '../../workspace/contract';
import { DefinedTerm } from './DefinedTerm';
import type { QueueCellContext, QueueColumn } from './queueColumns';

const useStyles = makeStyles({
  name: { margin: 0 },
  card: { padding: tokens.spacingHorizontalM },
  figures: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(96px, 1fr))',
    gap: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    margin: 0,
  },
  figure: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS, minWidth: 0 },
  term: { color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
  value: { margin: 0, fontVariantNumeric: 'tabular-nums', fontWeight: tokens.fontWeightSemibold },
  window: { color: tokens.colorNeutralForeground3 },
});

export interface QueueCardProps {
  queue: QueueBoardRow;
  columns: QueueColumn[];
  liveColumns: number;
  context: QueueCellContext;
}

/** A queue on a narrow screen: the same figures as the table's row, as a grid of term and value. */
export function QueueCard({ queue, columns, liveColumns, context }: QueueCardProps) {
  const styles = useStyles();
  const figures = (some: QueueColumn[]) => (
    <dl className={styles.figures}>
      {some.map((column) => (
        <div key={column.key} className={styles.figure}>
          <dt className={styles.term}><DefinedTerm label={column.label} definition={column.definition} /></dt>
          <dd className={styles.value}>{column.render(queue, context)}</dd>
        </div>
      ))}
    </dl>
  );
  return (
    <Card className={styles.card} role="group" aria-labelledby={`queue-${queue.name}`}>
      <Text as="h3" weight="semibold" className={styles.name} id={`queue-${queue.name}`}>{queue.name}</Text>
      {figures(columns.slice(0, liveColumns))}
      <Text size={200} className={styles.window}>Last {context.windowHours} hours</Text>
      {figures(columns.slice(liveColumns))}
    </Card>
  );
}
