import { Button, Dropdown, Field, makeStyles, Option, tokens } from '@fluentui/react-components';
import { FilterDismissRegular } from '@fluentui/react-icons';
import type { AgentBoardRow } from '../../workspace/contract';
import { BOARD_STATUSES, hasFilters, type BoardStatus, type ConversationFilters } from '../../workspace/supervisorStore';

const useStyles = makeStyles({
  root: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM, alignItems: 'flex-end' },
  field: { minWidth: '140px', flex: '1 1 140px', maxWidth: '220px' },
  dropdown: { minWidth: '0', width: '100%' },
});

const ALL = '';
const MIN_WAITS: { seconds: number; label: string }[] = [
  { seconds: 0, label: 'Any' },
  { seconds: 30, label: '30 s or more' },
  { seconds: 60, label: '1 min or more' },
  { seconds: 120, label: '2 min or more' },
  { seconds: 300, label: '5 min or more' },
];

export interface ConversationFiltersBarProps {
  filters: ConversationFilters;
  queues: string[];
  agents: AgentBoardRow[];
  onChange: (filters: ConversationFilters) => void;
}

/** D365's "filter by queues / by agents", with the status and a minimum wait (which shows waiting chats only). */
export function ConversationFiltersBar({ filters, queues, agents, onChange }: ConversationFiltersBarProps) {
  const styles = useStyles();
  const pick = (label: string, value: string, options: { value: string; text: string }[], change: (value: string) => void) => {
    const selected = options.find((o) => o.value === value) ?? options[0];
    return (
      <Field label={label} className={styles.field}>
        <Dropdown
          className={styles.dropdown}
          size="small"
          value={selected?.text ?? ''}
          selectedOptions={[value]}
          onOptionSelect={(_, data) => change(data.optionValue ?? ALL)}
        >
          {options.map((o) => <Option key={o.value} value={o.value}>{o.text}</Option>)}
        </Dropdown>
      </Field>
    );
  };
  return (
    <div className={styles.root} role="search" aria-label="Filter the chats">
      {pick('Queue', filters.queue ?? ALL, [{ value: ALL, text: 'All queues' }, ...queues.map((q) => ({ value: q, text: q }))], (queue) => onChange({ ...filters, queue: queue || undefined }))}
      {pick('Status', filters.status ?? ALL, [{ value: ALL, text: 'All statuses' }, ...BOARD_STATUSES.map((s) => ({ value: s, text: s }))], (status) => onChange({ ...filters, status: (status || undefined) as BoardStatus | undefined }))}
      {pick('Agent', filters.agentId ?? ALL, [{ value: ALL, text: 'All agents' }, ...agents.map((a) => ({ value: a.id, text: a.name }))], (agentId) => onChange({ ...filters, agentId: agentId || undefined }))}
      {pick('Waiting at least', String(filters.minWaitSeconds ?? 0), MIN_WAITS.map((w) => ({ value: String(w.seconds), text: w.label })), (seconds) => onChange({ ...filters, minWaitSeconds: Number(seconds) || undefined }))}
      {hasFilters(filters) && (
        <Button size="small" appearance="subtle" icon={<FilterDismissRegular />} onClick={() => onChange({})}>Clear filters</Button>
      )}
    </div>
  );
}
