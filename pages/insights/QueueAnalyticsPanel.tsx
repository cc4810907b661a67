import { makeStyles, tokens } from '@fluentui/react-components';
import { BoardSection } from '../supervisor/BoardSection';
import type { Insights } from '../workspace/contract';
import { FigureTable } from './FigureTable';
import { FigureTiles } from './FigureTiles';
import { chartRows, QUEUE_FLOW, queueFigures } from './insightsView';
import { SeriesChart } from './SeriesChart';

const useStyles = makeStyles({
  panel: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

const QUEUE_COLOURS = { incoming: 'neutral', answered: 'good', abandoned: 'bad' } as const;

/** Queue analytics: the totals as tiles, chats in and out of the queues over time, and the tables by queue, agent and workstream. */
export function QueueAnalyticsPanel({ insights }: { insights: Insights }) {
  const styles = useStyles();
  const { queues, definitions, granularity, serviceLevelSeconds } = insights;
  const figures = queueFigures(serviceLevelSeconds);
  const tableProps = { family: 'queue', definitions, empty: 'No chat came into a queue in this range.' } as const;
  return (
    <div className={styles.panel}>
      <FigureTiles label="Queue analytics, the whole range" family="queue" figures={figures} row={queues.total} definitions={definitions} />
      <BoardSection id="queue-series" title="Over time">
        <SeriesChart
          title={`Chats by ${granularity}: incoming, answered, abandoned`}
          description={`Chats that came into the queues in each ${granularity}, beside those answered and those abandoned in it.`}
          rows={chartRows(queues.series, granularity, QUEUE_FLOW)}
          series={QUEUE_FLOW.map((s) => ({ ...s, colour: QUEUE_COLOURS[s.key as keyof typeof QUEUE_COLOURS] }))}
          stacked={false}
          periodHeading={granularity === 'hour' ? 'Hour (UTC)' : 'Day (UTC)'}
          empty="No chat came into a queue in this range."
        />
      </BoardSection>
      <BoardSection id="by-queue" title="By queue" hint={botQueuesHint(queues.botQueues)}>
        <FigureTable label="By queue" rowHeading="Queue" rows={queues.byQueue} nameOf={(r) => r.queue} figures={figures} {...tableProps} />
      </BoardSection>
      <BoardSection id="by-agent" title="By agent" hint="What each agent answered and handled, from any queue.">
        <FigureTable label="By agent" rowHeading="Agent" rows={queues.byAgent} nameOf={(r) => r.agent} figures={queueFigures(serviceLevelSeconds, true)} {...tableProps} empty="No agent answered or was offered a chat in this range." />
      </BoardSection>
      <BoardSection id="by-workstream" title="By workstream">
        <FigureTable label="By workstream" rowHeading="Workstream" rows={queues.byWorkstream} nameOf={(r) => r.workstream} figures={figures} {...tableProps} />
      </BoardSection>
    </div>
  );
}

/** Why a bot's queue is not in the table, where one was left out. */
function botQueuesHint(botQueues: readonly string[]): string | undefined {
  if (botQueues.length === 0) return undefined;
  const names = botQueues.join(', ');
  return `${names} ${botQueues.length === 1 ? 'is a bot\'s queue' : 'are bots\' queues'}: ${botQueues.length === 1 ? 'its' : 'their'} chats are in Bot insights.`;
}
