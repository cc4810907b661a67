import { makeStyles, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, tokens } from '@fluentui/react-components';
import { BoardSection } from '../supervisor/BoardSection';
import type { Insights } from '../workspace/contract';
import { FigureTable } from './FigureTable';
import { FigureTiles } from './FigureTiles';
import { BOT_FIGURES, BOT_OUTCOMES, chartRows } from './insightsView';
import { SeriesChart } from './SeriesChart';

const useStyles = makeStyles({
  panel: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  reasons: { maxWidth: '40rem' },
  empty: { color: tokens.colorNeutralForeground3 },
  number: { fontVariantNumeric: 'tabular-nums' },
});

const BOT_COLOURS = { resolved: 'good', escalated: 'neutral', abandoned: 'bad' } as const;

/** Bot insights: the totals as tiles, conversations by outcome over time, and the tables by bot, topic and rule with the top escalation reasons. */
export function BotInsightsPanel({ insights }: { insights: Insights }) {
  const styles = useStyles();
  const { bots, definitions, granularity } = insights;
  const tableProps = { family: 'bot', figures: BOT_FIGURES, definitions, empty: 'No bot conversation ended in this range.' } as const;
  return (
    <div className={styles.panel}>
      <FigureTiles label="Bot insights, the whole range" family="bot" figures={BOT_FIGURES} row={bots.total} definitions={definitions} />
      <BoardSection id="bot-series" title="Over time">
        <SeriesChart
          title={`Bot conversations by ${granularity}, by outcome`}
          description={`Bot conversations that ended in each ${granularity}, stacked: resolved, escalated to a human, abandoned.`}
          rows={chartRows(bots.series, granularity, BOT_OUTCOMES)}
          series={BOT_OUTCOMES.map((s) => ({ ...s, colour: BOT_COLOURS[s.key as keyof typeof BOT_COLOURS] }))}
          stacked
          periodHeading={granularity === 'hour' ? 'Hour (UTC)' : 'Day (UTC)'}
          empty="No bot conversation ended in this range."
        />
      </BoardSection>
      <BoardSection id="by-bot" title="By bot"><FigureTable label="By bot" rowHeading="Bot" rows={bots.byBot} nameOf={(r) => r.bot} {...tableProps} /></BoardSection>
      <BoardSection id="by-topic" title="By topic" hint="The topic the bot set in the conversation; (none) where it set none.">
        <FigureTable label="By topic" rowHeading="Topic" rows={bots.byTopic} nameOf={(r) => r.topic} {...tableProps} />
      </BoardSection>
      <BoardSection id="reasons" title="Top escalation reasons" hint="The context the bots set when they escalated.">
        {bots.escalationReasons.length === 0 ? (
          <Text className={styles.empty}>No bot escalated with a reason in this range.</Text>
        ) : (
          <Table size="small" aria-label="Top escalation reasons" className={styles.reasons}>
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Reason</TableHeaderCell>
                <TableHeaderCell>Escalations</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {bots.escalationReasons.map((r) => (
                <TableRow key={r.reason}>
                  <TableHeaderCell scope="row">{r.reason}</TableHeaderCell>
                  <TableCell className={styles.number}>{r.escalations}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </BoardSection>
      <BoardSection id="by-rule" title="By routing rule" hint="The rule that placed the chat with its bot.">
        <FigureTable label="By routing rule" rowHeading="Rule" rows={bots.byRule} nameOf={(r) => r.rule} {...tableProps} />
      </BoardSection>
    </div>
  );
}
