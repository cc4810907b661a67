import { makeStyles, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, tokens } from '@fluentui/react-components';
import { DefinedTerm } from '../supervisor/queues/DefinedTerm';
import { NoValue } from '../supervisor/queues/NoValue';
import type { KpiDefinition } from '../workspace/contract';
import { definitionOf, figureText, type Figure } from './insightsView';

const useStyles = makeStyles({
  scroll: { overflowX: 'auto' },
  table: { tableLayout: 'auto' },
  number: { fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' },
  heading: { whiteSpace: 'nowrap' },
  name: { whiteSpace: 'nowrap' },
  empty: { color: tokens.colorNeutralForeground3 },
});

export interface FigureTableProps<Row> {
  /** The table's accessible name and its caption. */
  label: string;
  /** The first column's heading: what a row is (Bot, Topic, Queue…). */
  rowHeading: string;
  rows: Row[];
  nameOf: (row: Row) => string;
  family: KpiDefinition['family'];
  figures: Figure<Row>[];
  definitions: KpiDefinition[];
  empty: string;
}

/** A breakdown: one row per bot, topic, rule, queue or agent, one column per figure, "—" with why where nothing was counted. */
export function FigureTable<Row>({ label, rowHeading, rows, nameOf, family, figures, definitions, empty }: FigureTableProps<Row>) {
  const styles = useStyles();
  if (rows.length === 0) return <Text className={styles.empty}>{empty}</Text>;
  return (
    <div className={styles.scroll}>
      <Table size="small" aria-label={label} className={styles.table}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell className={styles.heading}>{rowHeading}</TableHeaderCell>
            {figures.map((figure) => (
              <TableHeaderCell key={figure.key} className={styles.heading}>
                <DefinedTerm label={figure.short} definition={`${figure.label}: ${definitionOf(definitions, family, figure)}`} />
              </TableHeaderCell>
            ))}
          </TableRow>
        </TableHeader>
        <TableBody>
          {rows.map((row) => (
            <TableRow key={nameOf(row)}>
              <TableHeaderCell scope="row" className={styles.name}>{nameOf(row)}</TableHeaderCell>
              {figures.map((figure) => (
                <TableCell key={figure.key} className={styles.number}>
                  {figureText(figure.kind, figure.value(row)) ?? <NoValue why={figure.why} />}
                </TableCell>
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
