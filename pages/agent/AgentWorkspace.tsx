import { makeStyles, mergeClasses, OverlayDrawer, DrawerBody, DrawerHeader, DrawerHeaderTitle, Button, Toast, Toaster, ToastTitle, tokens, useId, useToastController } from '@fluentui/react-components';
import { DismissRegular } from '@fluentui/react-icons';
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { isApiError, type ApiError, type WorkspaceApi } from '../workspace/api';
import { agentReducer, attentionCount, customerIsTyping, initialAgentState, isUnknownChat, matchingQuickReplies, selectedConversation } from '../workspace/agentStore';
import { AGENT_EVENT_TYPES, type AgentEvent, type Me, type StreamEvent } from '../workspace/contract';
import { ConnectionBanner } from '../workspace/ConnectionBanner';
import { tabSessionId } from '../workspace/signIn';
import { StatusScreen } from '../workspace/StatusScreen';
import { useLayout } from '../workspace/useLayout';
import { useLiveStream } from '../workspace/useLiveStream';
import { useNow } from '../workspace/useNow';
import { messageOf } from '../workspace/useSignIn';
import { ConversationPane } from './conversation/ConversationPane';
import { EmptyConversation } from './conversation/EmptyConversation';
import { useTranscript } from './conversation/useTranscript';
import { alertSound } from './offers/alertSound';
import { DesktopNotices } from './offers/desktopNotices';
import { OfferStack } from './offers/OfferStack';
import { useOfferAlerts } from './offers/useAlerts';
import { SessionList } from './sessions/SessionList';
import { CustomerSidebar } from './sidebar/CustomerSidebar';
import { useConversationDetails } from './sidebar/useConversationDetails';
import { TopBar } from './TopBar';
import { useAgentActions, type Say } from './useAgentActions';
import { useListRefresh } from './useListRefresh';

const TITLE = 'Agent workspace';

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', flexGrow: 1, minHeight: 0 },
  columns: { flexGrow: 1, minHeight: 0, display: 'grid' },
  wide: { gridTemplateColumns: '300px minmax(0, 1fr) 320px' },
  medium: { gridTemplateColumns: '280px minmax(0, 1fr)' },
  narrow: { gridTemplateColumns: 'minmax(0, 1fr)' },
  centre: { minHeight: 0, minWidth: 0 },
  drawerBody: { padding: 0 },
  banner: { paddingInline: tokens.spacingHorizontalS, paddingTop: tokens.spacingVerticalXS },
});

type Load = { kind: 'loading' } | { kind: 'ready'; cursor: string } | { kind: 'error'; message: string };

export interface AgentWorkspaceProps {
  me: Me;
  api: WorkspaceApi;
  onSignOut: () => void;
  /** The credentials stopped working (401) or the agent is refused (403): back to the sign-in, saying why. */
  onRefused: (problem: string) => void;
}

/**
 * The agent workspace once signed in: it opens a session for this tab, reads the snapshot, follows the
 * agent's live stream into the store, and lays out the top bar, the sessions list, the chat on screen
 * and the customer sidebar (three columns when they fit, fewer when they do not), with the offers over
 * them. It alerts (sound, desktop notification, the tab's title) for what the agent must not miss.
 */
export function AgentWorkspace({ me, api, onSignOut, onRefused }: AgentWorkspaceProps) {
  const styles = useStyles();
  const [state, dispatch] = useReducer(agentReducer, initialAgentState);
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [detailsOpen, setDetailsOpen] = useState(false);
  const layout = useLayout();
  const sound = alertSound();
  const notices = useMemo(() => new DesktopNotices(), []);
  const latest = useRef(state);
  latest.current = state;

  const toasterId = useId('toaster');
  const { dispatchToast } = useToastController(toasterId);
  const say: Say = useCallback((text, intent) => dispatchToast(<Toast><ToastTitle>{text}</ToastTitle></Toast>, { intent }), [dispatchToast]);
  const actions = useAgentActions(api, me.id, dispatch, say);
  const refreshList = useListRefresh(api, me.id, dispatch);
  const sessionId = useMemo(() => tabSessionId(), []);

  const refused = useCallback((error: ApiError) => onRefused(error.status === 401 ? 'Your sign-in has ended: sign in again.' : error.message), [onRefused]);

  const readSnapshot = useCallback(async () => {
    const workspace = await api.getWorkspace(me.id);
    dispatch({ type: 'snapshot', workspace });
    return workspace.cursor;
  }, [api, me.id]);

  // Sign this tab in (the agent takes its starting presence), then read where things stand.
  useEffect(() => {
    let cancelled = false;
    setLoad({ kind: 'loading' });
    (async () => {
      await api.createSession(me.id, sessionId);
      const cursor = await readSnapshot();
      if (!cancelled) setLoad({ kind: 'ready', cursor });
    })().catch((error: unknown) => {
      if (cancelled) return;
      if (isApiError(error) && (error.status === 401 || error.status === 403)) return refused(error);
      setLoad({ kind: 'error', message: messageOf(error) });
    });
    return () => {
      cancelled = true;
    };
  }, [api, me.id, sessionId, readSnapshot, refused, attempt]);

  const onEvent = useCallback((raw: StreamEvent) => {
    if (!AGENT_EVENT_TYPES.has(raw.type)) return;
    const event = raw as AgentEvent;
    const now = latest.current;
    if (event.type === 'message' && isUnknownChat(now, event.data.conversationId)) refreshList();
    if (event.type === 'message' && event.data.message.role === 'customer') {
      const onScreen = now.selectedId === event.data.conversationId && !document.hidden;
      if (!onScreen) {
        sound.blip();
        const name = now.conversations.find((c) => c.id === event.data.conversationId)?.customer.name ?? 'A customer';
        notices.show(`message:${event.data.conversationId}`, name, event.data.message.text || '(attachment)');
      }
    }
    dispatch({ type: 'event', event });
  }, [sound, notices, refreshList]);

  const live = useLiveStream({
    api,
    path: api.agentEventsPath(me.id, sessionId),
    listEvents: (after, wait, signal) => api.listAgentEvents(me.id, sessionId, after, wait, signal),
    cursor: load.kind === 'ready' ? load.cursor : null,
    onEvent,
    onReset: readSnapshot,
    onRefused: refused,
  });

  useOfferAlerts(sound, notices, state.offers);

  // The tab's title counts what waits: "(2) Agent workspace".
  const attention = attentionCount(state);
  useEffect(() => {
    document.title = attention > 0 ? `(${attention}) ${TITLE}` : TITLE;
  }, [attention]);

  useEffect(() => {
    const changed = () => {
      dispatch({ type: 'visibility', visible: !document.hidden });
      const selected = latest.current.selectedId;
      if (!document.hidden && selected) notices.close(`message:${selected}`);
    };
    document.addEventListener('visibilitychange', changed);
    return () => document.removeEventListener('visibilitychange', changed);
  }, [notices]);

  // Alt+↑ / Alt+↓ switch chats from anywhere on the page.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!event.altKey || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown')) return;
      event.preventDefault();
      dispatch({ type: 'selectNext', step: event.key === 'ArrowDown' ? 1 : -1 });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    if (state.notice) say(state.notice.text, state.notice.intent);
  }, [state.notice, say]);

  const selected = selectedConversation(state);
  const selectedId = selected?.id ?? null;
  const transcript = selectedId ? state.transcripts[selectedId] : undefined;
  const reading = useTranscript(api, me.id, selectedId, transcript?.loaded ?? false, dispatch);
  const details = useConversationDetails(api, me.id, selectedId, selected ? `${selected.status}:${selected.queue}` : '');
  const now = useNow(1_000, selectedId !== null) + api.clockOffsetMs;

  if (load.kind === 'error') {
    return <StatusScreen kind="error" title="Your workspace could not be opened" message={load.message} onRetry={() => setAttempt((n) => n + 1)} />;
  }
  if (load.kind === 'loading' || !state.agent) return <StatusScreen kind="loading" label="Opening your workspace…" />;

  const compact = layout === 'narrow';
  // Narrow: the chat on screen, else the list, else (no chats at all) the empty state.
  const showList = layout !== 'narrow' || (!selected && state.conversations.length > 0);
  const showCentre = layout !== 'narrow' || !showList;
  const sidebar = selected ? <CustomerSidebar state={details} /> : null;

  return (
    <div className={styles.page}>
      <TopBar
        agentName={state.agent.name}
        presence={state.agent.presence}
        presences={state.presences}
        sound={sound}
        compact={compact}
        onPresence={(p) => void actions.setPresence(p)}
        onSignOut={onSignOut}
      />
      {(live.state === 'reconnecting' || live.state === 'offline') && (
        <div className={styles.banner}><ConnectionBanner state={live.state} onRetry={live.retryNow} /></div>
      )}
      <div className={mergeClasses(styles.columns, styles[layout === 'wide' && !selected ? 'medium' : layout])}>
        {showList && (
          <SessionList
            conversations={state.conversations}
            unread={state.unread}
            selectedId={selectedId}
            onSelect={(id) => dispatch({ type: 'select', conversationId: id })}
          />
        )}
        {showCentre && (
          <main className={styles.centre}>
            {selected ? (
              <ConversationPane
                conversation={selected}
                agent={state.agent}
                messages={transcript?.messages ?? []}
                loading={reading.loading}
                problem={reading.problem}
                onRetry={reading.retry}
                customerTyping={customerIsTyping(state, selected.id, now)}
                queues={state.queues}
                quickReplies={(filter) => matchingQuickReplies(state, selected.workstream, filter)}
                draft={drafts[selected.id] ?? ''}
                onDraft={(text) => setDrafts((all) => ({ ...all, [selected.id]: text }))}
                showBack={layout === 'narrow'}
                showDetails={layout !== 'wide'}
                compact={compact}
                onBack={() => dispatch({ type: 'select', conversationId: null })}
                onDetails={() => setDetailsOpen(true)}
                onSend={(text, mode) => void actions.send(selected.id, text, mode)}
                onTyping={() => actions.typing(selected.id)}
                onTransfer={(queue) => actions.transfer(selected.id, queue)}
                onEnd={() => actions.end(selected.id)}
                onClose={() => actions.close(selected.id)}
              />
            ) : (
              <EmptyConversation presence={state.agent.presence} hasChats={state.conversations.length > 0} />
            )}
          </main>
        )}
        {layout === 'wide' && sidebar}
      </div>
      {layout !== 'wide' && (
        <OverlayDrawer position="end" size={compact ? 'full' : 'medium'} open={detailsOpen && Boolean(selected)} onOpenChange={(_, data) => setDetailsOpen(data.open)}>
          <DrawerHeader>
            <DrawerHeaderTitle action={<Button appearance="subtle" aria-label="Close" icon={<DismissRegular />} onClick={() => setDetailsOpen(false)} />}>
              Customer
            </DrawerHeaderTitle>
          </DrawerHeader>
          <DrawerBody className={styles.drawerBody}>{sidebar}</DrawerBody>
        </OverlayDrawer>
      )}
      <OfferStack
        offers={state.offers}
        clockOffsetMs={api.clockOffsetMs}
        answering={actions.answering}
        onAccept={(offer) => void actions.accept(offer)}
        onReject={(offer) => void actions.reject(offer)}
      />
      <Toaster toasterId={toasterId} position="bottom-end" />
    </div>
  );
}
