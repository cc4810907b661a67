import { Button, Field, Input, makeStyles, Select, tokens } from '@fluentui/react-components';
import { ArrowClockwiseRegular, ArrowDownloadRegular } from '@fluentui/react-icons';
import type { Insights, InsightsGranularity } from '../workspace/contract';
import { RANGE_CHOICES, RANGE_LABELS, withRange, type InsightsSelection, type RangeChoice } from './insightsView';

const useStyles = makeStyles({
  bar: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'flex-end',
    gap: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    backgroundColor: tokens.colorNeutralBackground1,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    flexShrink: 0,
  },
  field: { minWidth: '9rem' },
  narrowField: { flexGrow: 1, flexBasis: '9rem' },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, marginInlineStart: 'auto' },
});

const ALL = '';

export interface InsightsControlsProps {
  selection: InsightsSelection;
  onChange: (selection: InsightsSelection) => void;
  /** The last insights read: the granularity the server chose and the names the filters take. */
  insights: Insights | null;
  narrow: boolean;
  exporting: boolean;
  onRefresh: () => void;
  onExport: () => void;
}

/** The range (a preset or UTC days), by hour or by day, the workstream, queue and bot filters, Refresh and the CSV export. */
export function InsightsControls({ selection, onChange, insights, narrow, exporting, onRefresh, onExport }: InsightsControlsProps) {
  const styles = useStyles();
  const field = narrow ? styles.narrowField : styles.field;
  const choices = insights?.filterChoices ?? { workstreams: [], queues: [], bots: [] };
  const filter = (name: 'workstream' | 'queue' | 'bot', label: string, names: string[]) => (
    <Field label={label} className={field}>
      <Select value={selection[name] ?? ALL} onChange={(_, data) => onChange({ ...selection, [name]: data.value === ALL ? undefined : data.value })}>
        <option value={ALL}>All</option>
        {names.map((n) => <option key={n} value={n}>{n}</option>)}
      </Select>
    </Field>
  );
  return (
    <div className={styles.bar} role="search" aria-label="Range and filters">
      <Field label="Range" className={field}>
        <Select value={selection.range} onChange={(_, data) => onChange(withRange(selection, data.value as RangeChoice, insights ?? undefined))}>
          {RANGE_CHOICES.map((r) => <option key={r} value={r}>{RANGE_LABELS[r]}</option>)}
        </Select>
      </Field>
      {selection.range === 'custom' && (
        <>
          <Field label="First day (UTC)" className={field}>
            <Input type="date" value={selection.fromDate} onChange={(_, data) => onChange({ ...selection, fromDate: data.value })} />
          </Field>
          <Field label="Last day (UTC)" className={field}>
            <Input type="date" value={selection.toDate} onChange={(_, data) => onChange({ ...selection, toDate: data.value })} />
          </Field>
        </>
      )}
      <Field label="By" className={field}>
        <Select value={selection.granularity ?? insights?.granularity ?? 'hour'} onChange={(_, data) => onChange({ ...selection, granularity: data.value as InsightsGranularity })}>
          <option value="hour">Hour</option>
          <option value="day">Day</option>
        </Select>
      </Field>
      {filter('workstream', 'Workstream', choices.workstreams)}
      {filter('queue', 'Queue', choices.queues)}
      {filter('bot', 'Bot', choices.bots)}
      <div className={styles.actions}>
        <Button icon={<ArrowClockwiseRegular />} onClick={onRefresh}>Refresh</Button>
        <Button icon={<ArrowDownloadRegular />} onClick={onExport} disabled={exporting || insights === null}>Export CSV</Button>
      </div>
    </div>
  );
}
