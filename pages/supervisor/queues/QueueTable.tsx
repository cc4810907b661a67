import { makeStyles, mergeClasses, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, tokens } from '@fluentui/react-components';
import type { QueueBoardRow } from '../../workspace/contract';
import { DefinedTerm } from './DefinedTerm';
import type { QueueCellContext, QueueColumn } from './queueColumns';

const useStyles = makeStyles({
  scroll: { overflowX: 'auto' },
  // Columns as wide as their content: the queue names are long, the figures short.
  table: { minWidth: '1100px', tableLayout: 'auto' },
  group: { textAlign: 'center', color: tokens.colorNeutralForeground2, fontWeight: tokens.fontWeightRegular },
  firstOfGroup: { borderLeft: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}` },
  // A figure and its name on one line: narrower screens scroll the table sideways instead.
  number: { fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' },
  heading: { whiteSpace: 'nowrap' },
  queue: { whiteSpace: 'nowrap' },
});

export interface QueueTableProps {
  queues: QueueBoardRow[];
  columns: QueueColumn[];
  /** How many of the columns are live (the rest count the window). */
  liveColumns: number;
  context: QueueCellContext;
}

/** Every queue in one row, the live load under "Now" and the KPIs under the window they count. */
export function QueueTable({ queues, columns, liveColumns, context }: QueueTableProps) {
  const styles = useStyles();
  const startsGroup = (index: number) => index === 0 || index === liveColumns;
  return (
    <div className={styles.scroll}>
      <Table size="small" aria-label="Queues" className={styles.table}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell />
            <TableHeaderCell colSpan={liveColumns} className={mergeClasses(styles.group, styles.firstOfGroup)}>Now</TableHeaderCell>
            <TableHeaderCell colSpan={columns.length - liveColumns} className={mergeClasses(styles.group, styles.firstOfGroup)}>
              Last {context.windowHours} hours
            </TableHeaderCell>
          </TableRow>
          <TableRow>
            <TableHeaderCell>Queue</TableHeaderCell>
            {columns.map((column, i) => (
              <TableHeaderCell key={column.key} className={mergeClasses(styles.heading, startsGroup(i) && styles.firstOfGroup)}>
                <DefinedTerm label={column.label} definition={column.definition} />
              </TableHeaderCell>
            ))}
          </TableRow>
        </TableHeader>
        <TableBody>
          {queues.map((queue) => (
            <TableRow key={queue.name}>
              <TableHeaderCell scope="row" className={styles.queue}>{queue.name}</TableHeaderCell>
              {columns.map((column, i) => (
                <TableCell key={column.key} className={mergeClasses(styles.number, startsGroup(i) && styles.firstOfGroup)}>
                  {column.render(queue, context)}
                </TableCell>
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
