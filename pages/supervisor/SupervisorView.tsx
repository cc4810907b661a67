import { CounterBadge, makeStyles, mergeClasses, Tab, TabList, Toast, Toaster, ToastTitle, tokens, useId, useToastController } from '@fluentui/react-components';
import { useCallback, useEffect, useState } from 'react';
import type { WorkspaceApi } from '../workspace/api';
import { ConnectionBanner } from '../workspace/ConnectionBanner';
import type { ConversationBoardRow, Me } from '../workspace/contract';
import { StatusScreen } from '../workspace/StatusScreen';
import { windowHours } from '../workspace/supervisorStore';
import { useLayout } from '../workspace/useLayout';
import { useNow } from '../workspace/useNow';
import { AgentBoard } from './agents/AgentBoard';
import { ConversationBoard } from './conversations/ConversationBoard';
import { MonitorDrawer } from './monitor/MonitorDrawer';
import { NotSupervisorScreen } from './NotSupervisorScreen';
import { QueueBoard } from './queues/QueueBoard';
import { PageBar } from '../workspace/PageBar';
import { useSupervisorActions, type Say } from './useSupervisorActions';
import { useSupervisorBoard } from './useSupervisorBoard';

const TITLE = 'Supervisor';

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', flexGrow: 1, minHeight: 0 },
  main: { flexGrow: 1, minHeight: 0, overflowY: 'auto', backgroundColor: tokens.colorNeutralBackground2 },
  grid: { display: 'grid', gap: tokens.spacingVerticalM, padding: tokens.spacingHorizontalM, alignItems: 'start' },
  wide: {
    gridTemplateColumns: 'minmax(0, 3fr) minmax(0, 2fr)',
    gridTemplateAreas: '"queues queues" "chats agents"',
  },
  stacked: { gridTemplateColumns: 'minmax(0, 1fr)' },
  narrow: { padding: tokens.spacingHorizontalS },
  // Named areas only where the template names them: elsewhere a named area would add an implicit column.
  queues: { gridArea: 'queues' },
  chats: { gridArea: 'chats' },
  agents: { gridArea: 'agents' },
  tabs: { backgroundColor: tokens.colorNeutralBackground1, borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, flexShrink: 0 },
  banner: { paddingInline: tokens.spacingHorizontalS, paddingTop: tokens.spacingVerticalXS },
  count: { marginInlineStart: tokens.spacingHorizontalXS },
});

type Screen = 'queues' | 'chats' | 'agents';

export interface SupervisorViewProps {
  me: Me;
  api: WorkspaceApi;
  onSignOut: () => void;
  /** The sign-in stopped working (401): back to the sign-in, saying why. */
  onSignedOut: (problem: string) => void;
}

/**
 * The supervisor's view once signed in: the overview, kept live by the supervisor's stream, as three
 * screens (queues, ongoing chats, agents). Wide, the queues span the top and the chats and agents sit
 * side by side; medium, they stack; narrow (a phone), one at a time behind tabs, as cards.
 */
export function SupervisorView({ me, api, onSignOut, onSignedOut }: SupervisorViewProps) {
  const styles = useStyles();
  const { state, load, live, retry } = useSupervisorBoard(api, onSignedOut);
  const layout = useLayout();
  const now = useNow(1_000) + api.clockOffsetMs;
  const [monitored, setMonitored] = useState<ConversationBoardRow | null>(null);
  const [screen, setScreen] = useState<Screen>('queues');

  const toasterId = useId('toaster');
  const { dispatchToast } = useToastController(toasterId);
  const say: Say = useCallback((text, intent) => dispatchToast(<Toast><ToastTitle>{text}</ToastTitle></Toast>, { intent }), [dispatchToast]);
  const actions = useSupervisorActions(api, say);

  // The tab's title counts the chats waiting for an agent: "(3) Supervisor".
  const waiting = state.queues.reduce((sum, q) => sum + q.waiting, 0);
  useEffect(() => {
    document.title = waiting > 0 ? `(${waiting}) ${TITLE}` : TITLE;
  }, [waiting]);

  if (load.kind === 'notSupervisor') return <NotSupervisorScreen name={me.name} reason={load.message} onSignOut={onSignOut} />;
  if (load.kind === 'error') return <StatusScreen kind="error" title="The supervisor's view could not be opened" message={load.message} onRetry={retry} />;
  if (load.kind === 'loading') return <StatusScreen kind="loading" label="Opening the supervisor's view…" />;

  const narrow = layout === 'narrow';
  const show = (s: Screen) => !narrow || screen === s;
  const queueNames = state.queues.map((q) => q.name);

  return (
    <div className={styles.page}>
      <PageBar title="Supervisor" link={{ href: '/insights', label: 'Insights' }} name={me.name} compact={narrow} onSignOut={onSignOut} />
      {narrow && (
        <TabList className={styles.tabs} selectedValue={screen} onTabSelect={(_, data) => setScreen(data.value as Screen)} aria-label="Screens">
          <Tab value="queues">Queues{waiting > 0 && <CounterBadge className={styles.count} count={waiting} size="small" color="danger" aria-label={`${waiting} waiting`} />}</Tab>
          <Tab value="chats">Chats</Tab>
          <Tab value="agents">Agents</Tab>
        </TabList>
      )}
      {(live.state === 'reconnecting' || live.state === 'offline') && (
        <div className={styles.banner}><ConnectionBanner state={live.state} onRetry={live.retryNow} /></div>
      )}
      <main className={styles.main}>
        <div className={mergeClasses(styles.grid, layout === 'wide' ? styles.wide : styles.stacked, narrow && styles.narrow)}>
          {show('queues') && (
            <div className={mergeClasses(layout === 'wide' && styles.queues)}>
              <QueueBoard
                queues={state.queues}
                serviceLevelSeconds={state.serviceLevelSeconds}
                windowHours={windowHours(state)}
                windowFrom={state.window?.from ?? null}
                nowMs={now}
                asCards={narrow}
              />
            </div>
          )}
          {show('chats') && (
            <ConversationBoard
              className={mergeClasses(layout === 'wide' && styles.chats)}
              conversations={state.conversations}
              agents={state.agents}
              queues={queueNames}
              nowMs={now}
              asCards={narrow}
              actions={actions}
              onMonitor={setMonitored}
            />
          )}
          {show('agents') && <AgentBoard className={mergeClasses(layout === 'wide' && styles.agents)} agents={state.agents} nowMs={now} asCards={narrow} />}
        </div>
      </main>
      <MonitorDrawer
        api={api}
        row={monitored}
        live={monitored ? state.conversations.find((c) => c.id === monitored.id) : undefined}
        agents={state.agents}
        fullWidth={narrow}
        onClose={() => setMonitored(null)}
      />
      <Toaster toasterId={toasterId} position="bottom-end" />
    </div>
  );
}
