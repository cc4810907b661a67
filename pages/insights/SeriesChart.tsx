import { Button, makeStyles, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, tokens, webLightTheme } from '@fluentui/react-components';
import { TableRegular } from '@fluentui/react-icons';
import { useId, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { anyCounted, type ChartRow, type ChartSeries } from './insightsView';

/**
 * Recharts draws SVG through React, and sets what style it needs through React's style props (CSSOM), so it
 * runs under the pages' content security policy (no style text, no eval). Its colours are attributes, which
 * take no CSS variables: they are the theme's values themselves.
 */
export const CHART_COLOURS = {
  good: webLightTheme.colorPaletteGreenBackground3,
  neutral: webLightTheme.colorBrandBackground,
  bad: webLightTheme.colorPaletteRedBackground3,
} as const;
export type ChartColour = keyof typeof CHART_COLOURS;

const CHART_HEIGHT = 240;

const useStyles = makeStyles({
  figure: { margin: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, minWidth: 0 },
  heading: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', justifyContent: 'space-between', gap: tokens.spacingHorizontalS },
  title: { margin: 0 },
  chart: { width: '100%', minWidth: 0 },
  empty: { color: tokens.colorNeutralForeground3, paddingBlock: tokens.spacingVerticalL },
  scroll: { overflowX: 'auto', maxHeight: '320px', overflowY: 'auto' },
  number: { fontVariantNumeric: 'tabular-nums' },
});

export interface SeriesChartProps {
  title: string;
  /** What the chart shows, for a screen reader (the chart's description). */
  description: string;
  rows: ChartRow[];
  series: (ChartSeries & { colour: ChartColour })[];
  /** Bars stacked (parts of a whole) or side by side. */
  stacked: boolean;
  /** The first column's heading in the table form: Hour or Day. */
  periodHeading: string;
  empty: string;
}

/** A by-hour or by-day bar chart, with the same numbers as a table a button away (and for those who cannot see the chart). */
export function SeriesChart({ title, description, rows, series, stacked, periodHeading, empty }: SeriesChartProps) {
  const styles = useStyles();
  const titleId = useId();
  const [asTable, setAsTable] = useState(false);
  const counted = anyCounted(rows, series);
  return (
    <figure className={styles.figure} aria-labelledby={titleId}>
      <div className={styles.heading}>
        <Text as="h3" id={titleId} weight="semibold" className={styles.title}>{title}</Text>
        {counted && (
          <Button appearance="subtle" size="small" icon={<TableRegular />} aria-pressed={asTable} onClick={() => setAsTable((shown) => !shown)}>
            {asTable ? 'Show the chart' : 'Show as a table'}
          </Button>
        )}
      </div>
      {!counted ? (
        <Text className={styles.empty}>{empty}</Text>
      ) : asTable ? (
        // It scrolls (a month by hour is 720 rows): focusable, so a keyboard scrolls it too.
        <div className={styles.scroll} tabIndex={0} role="group" aria-labelledby={titleId}>
          <Table size="extra-small" aria-label={`${title} (table)`}>
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{periodHeading}</TableHeaderCell>
                {series.map((s) => <TableHeaderCell key={s.key}>{s.name}</TableHeaderCell>)}
              </TableRow>
            </TableHeader>
            <TableBody>
              {rows.map((row) => (
                <TableRow key={row.period}>
                  <TableHeaderCell scope="row">{row.period}</TableHeaderCell>
                  {series.map((s) => <TableCell key={s.key} className={styles.number}>{row[s.key]}</TableCell>)}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      ) : (
        <div className={styles.chart}>
          <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
            <BarChart data={rows} title={title} desc={description} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
              <CartesianGrid vertical={false} stroke={webLightTheme.colorNeutralStroke2} />
              <XAxis dataKey="period" tick={{ fontSize: 12, fill: webLightTheme.colorNeutralForeground2 }} tickLine={false} minTickGap={8} />
              <YAxis allowDecimals={false} tick={{ fontSize: 12, fill: webLightTheme.colorNeutralForeground2 }} tickLine={false} axisLine={false} />
              <Tooltip cursor={{ fill: webLightTheme.colorNeutralBackground1Hover }} />
              <Legend iconType="square" itemSorter={null} wrapperStyle={{ fontSize: 12 }} />
              {series.map((s) => (
                <Bar key={s.key} dataKey={s.key} name={s.name} fill={CHART_COLOURS[s.colour]} stackId={stacked ? 'all' : undefined} isAnimationActive={false} maxBarSize={32} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}
