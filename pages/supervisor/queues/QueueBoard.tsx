import { makeStyles, Text, tokens } from '@fluentui/react-components';
import type { QueueBoardRow } from '../../workspace/contract';
import { timeOf } from '../../workspace/format';
import { BoardSection } from '../BoardSection';
import { QueueCard } from './QueueCard';
import { queueColumns } from './queueColumns';
import { QueueTable } from './QueueTable';

/** The live columns come first in queueColumns: waiting, offered, longest wait, agents, free capacity. */
const LIVE_COLUMNS = 5;

const useStyles = makeStyles({
  cards: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  empty: { color: tokens.colorNeutralForeground3 },
});

export interface QueueBoardProps {
  queues: QueueBoardRow[];
  serviceLevelSeconds: number[];
  windowHours: number;
  windowFrom: string | null;
  nowMs: number;
  asCards: boolean;
}

/** The queues' load now and their KPIs over the window (D365's real-time Summary), as a table or as cards. */
export function QueueBoard({ queues, serviceLevelSeconds, windowHours, windowFrom, nowMs, asCards }: QueueBoardProps) {
  const styles = useStyles();
  const columns = queueColumns(serviceLevelSeconds);
  const context = { nowMs, windowHours };
  const since = windowFrom ? ` (since ${timeOf(windowFrom)})` : '';
  return (
    <BoardSection
      id="queues"
      title="Queues"
      flat={asCards}
      hint={`Waits and agents now; KPIs over the last ${windowHours} hours${since}. ${asCards ? 'Tap' : 'Hover'} a figure's name for its definition.`}
    >
      {queues.length === 0 ? (
        <Text className={styles.empty}>No queues are configured.</Text>
      ) : asCards ? (
        <div className={styles.cards}>
          {queues.map((q) => <QueueCard key={q.name} queue={q} columns={columns} liveColumns={LIVE_COLUMNS} context={context} />)}
        </div>
      ) : (
        <QueueTable queues={queues} columns={columns} liveColumns={LIVE_COLUMNS} context={context} />
      )}
    </BoardSection>
  );
}
