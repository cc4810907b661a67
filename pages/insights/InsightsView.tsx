import { Button, makeStyles, MessageBar, MessageBarBody, MessageBarTitle, mergeClasses, ProgressBar, Tab, TabList, Text, tokens } from '@fluentui/react-components';
import { FilterRegular } from '@fluentui/react-icons';
import { useEffect, useMemo, useState } from 'react';
import { NotSupervisorScreen } from '../supervisor/NotSupervisorScreen';
import type { WorkspaceApi } from '../workspace/api';
import type { Me } from '../workspace/contract';
import { StatusScreen } from '../workspace/StatusScreen';
import { useLayout } from '../workspace/useLayout';
import { messageOf } from '../workspace/useSignIn';
import { BotInsightsPanel } from './BotInsightsPanel';
import { PageBar } from '../workspace/PageBar';
import { InsightsControls } from './InsightsControls';
import { initialSelection, queryOf, RANGE_LABELS, rangeCaption, type InsightsSelection } from './insightsView';
import { QueueAnalyticsPanel } from './QueueAnalyticsPanel';
import { saveFile } from './saveFile';
import { useInsights } from './useInsights';

const TITLE = 'Insights';

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', flexGrow: 1, minHeight: 0 },
  main: { flexGrow: 1, minHeight: 0, overflowY: 'auto', backgroundColor: tokens.colorNeutralBackground2 },
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, padding: tokens.spacingHorizontalM, maxWidth: '1600px', marginInline: 'auto' },
  narrow: { padding: tokens.spacingHorizontalS },
  heading: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', justifyContent: 'space-between', gap: tokens.spacingHorizontalM },
  caption: { color: tokens.colorNeutralForeground2 },
  progress: { height: '2px' },
  toggle: { backgroundColor: tokens.colorNeutralBackground1, borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, paddingInline: tokens.spacingHorizontalXS, flexShrink: 0 },
});

type Family = 'bots' | 'queues';

export interface InsightsViewProps {
  me: Me;
  api: WorkspaceApi;
  onSignOut: () => void;
  /** The sign-in stopped working (401): back to the sign-in, saying why. */
  onSignedOut: (problem: string) => void;
}

/**
 * The insights once signed in: the range and filters on top, then bot insights or queue analytics behind
 * tabs, each as tiles over the whole range, a chart over time and tables by bot, topic, rule, queue, agent.
 * A range that ends now is read again every minute.
 */
export function InsightsView({ me, api, onSignOut, onSignedOut }: InsightsViewProps) {
  const styles = useStyles();
  const layout = useLayout();
  const [selection, setSelection] = useState<InsightsSelection>(() => initialSelection(Date.now() + api.clockOffsetMs));
  // The server's time at the last read: the presets count back from it (a test host's clock is not the browser's).
  const [serverNow, setServerNow] = useState<number | null>(null);
  const [family, setFamily] = useState<Family>('bots');
  const [exporting, setExporting] = useState(false);
  // On a phone the range and filters fold away under one button that says what they are.
  const [controlsOpen, setControlsOpen] = useState(false);
  const [exportProblem, setExportProblem] = useState<string | null>(null);
  const asked = useMemo(() => queryOf(selection, serverNow ?? Date.now() + api.clockOffsetMs), [selection, serverNow, api]);
  const query = 'query' in asked ? asked.query : null;
  const { insights, load, reading, refresh } = useInsights(api, query, selection.range !== 'custom', onSignedOut);

  useEffect(() => {
    document.title = TITLE;
  }, []);

  const generatedAt = insights?.generatedAt;
  useEffect(() => {
    if (generatedAt) setServerNow(Date.parse(generatedAt));
  }, [generatedAt]);

  if (load.kind === 'notSupervisor') return <NotSupervisorScreen name={me.name} reason={load.message} onSignOut={onSignOut} />;
  if (load.kind === 'error' && insights === null) return <StatusScreen kind="error" title="The insights could not be read" message={load.message} onRetry={refresh} />;
  if (insights === null) return <StatusScreen kind="loading" label="Reading the insights…" />;

  const narrow = layout === 'narrow';
  const exportCsv = async () => {
    if (!query) return;
    setExporting(true);
    setExportProblem(null);
    try {
      const { csv, fileName } = await api.getInsightsCsv(query);
      saveFile(csv, fileName);
    } catch (error) {
      setExportProblem(messageOf(error));
    } finally {
      setExporting(false);
    }
  };
  const filtersOn = [selection.workstream, selection.queue, selection.bot].filter(Boolean).length;
  const controls = (
    <InsightsControls
      selection={selection}
      onChange={setSelection}
      insights={insights}
      narrow={narrow}
      exporting={exporting}
      onRefresh={refresh}
      onExport={() => void exportCsv()}
    />
  );
  const problem = 'problem' in asked ? asked.problem : load.kind === 'invalid' || load.kind === 'error' ? load.message : exportProblem;

  return (
    <div className={styles.page}>
      <PageBar title="Insights" link={{ href: '/supervisor', label: 'Supervisor' }} name={me.name} compact={narrow} onSignOut={onSignOut} />
      {narrow ? (
        <div className={styles.toggle}>
          <Button appearance="subtle" icon={<FilterRegular />} aria-expanded={controlsOpen} onClick={() => setControlsOpen((open) => !open)}>
            {RANGE_LABELS[selection.range]}{filtersOn > 0 ? `, ${filtersOn} filter${filtersOn > 1 ? 's' : ''}` : ''}
          </Button>
        </div>
      ) : controls}
      <div className={styles.progress}>{reading && <ProgressBar thickness="medium" aria-label="Reading the insights" />}</div>
      <main className={styles.main}>
        {narrow && controlsOpen && controls}
        <div className={mergeClasses(styles.content, narrow && styles.narrow)}>
          <div className={styles.heading}>
            <TabList selectedValue={family} onTabSelect={(_, data) => setFamily(data.value as Family)} aria-label="Insights">
              <Tab value="bots">Bot insights</Tab>
              <Tab value="queues">Queue analytics</Tab>
            </TabList>
            <Text size={200} className={styles.caption} role="status">
              {rangeCaption(insights)}
            </Text>
          </div>
          {problem && (
            <MessageBar intent="warning" layout="multiline">
              <MessageBarBody>
                <MessageBarTitle>{exportProblem === problem ? 'The export failed' : 'These are the last insights read'}</MessageBarTitle>
                {problem}
              </MessageBarBody>
            </MessageBar>
          )}
          {family === 'bots' ? <BotInsightsPanel insights={insights} /> : <QueueAnalyticsPanel insights={insights} />}
        </div>
      </main>
    </div>
  );
}
