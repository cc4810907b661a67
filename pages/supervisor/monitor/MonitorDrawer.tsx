import {
  Button, DrawerBody, DrawerHeader, DrawerHeaderTitle, makeStyles, MessageBar, MessageBarBody, OverlayDrawer, Spinner, Text, tokens,
} from '@fluentui/react-components';
import { DismissRegular, EyeRegular } from '@fluentui/react-icons';
import { useEffect, useRef } from 'react';
import type { WorkspaceApi } from '../../workspace/api';
import type { AgentBoardRow, ConversationBoardRow } from '../../workspace/contract';
import { STATUS_LABELS } from '../../workspace/format';
import { chatOf, holderOf } from '../conversations/conversationFacts';
import { MonitorLine } from './MonitorLine';
import { useMonitoredTranscript } from './useMonitoredTranscript';

const useStyles = makeStyles({
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, backgroundColor: tokens.colorNeutralBackground2, paddingTop: tokens.spacingVerticalM },
  facts: { color: tokens.colorNeutralForeground2, display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalXS, flexWrap: 'wrap' },
  log: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, paddingBottom: tokens.spacingVerticalL },
  empty: { color: tokens.colorNeutralForeground3 },
});

export interface MonitorDrawerProps {
  api: WorkspaceApi;
  /** The chat as the board had it when Monitor was clicked; `live` is the board's row now (gone once closed). */
  row: ConversationBoardRow | null;
  live: ConversationBoardRow | undefined;
  agents: AgentBoardRow[];
  fullWidth: boolean;
  onClose: () => void;
}

/** Monitor (D365): the chat's transcript, read-only and kept fresh, beside the board; the supervisor does not join. */
export function MonitorDrawer({ api, row, live, agents, fullWidth, onClose }: MonitorDrawerProps) {
  const styles = useStyles();
  const transcript = useMonitoredTranscript(api, row?.id ?? null);
  const shown = live ?? row;
  const status = transcript.status ?? shown?.status ?? null;
  // The newest line in sight as lines come in, as in a chat.
  const end = useRef<HTMLDivElement>(null);
  const count = transcript.messages.length;
  useEffect(() => {
    if (count > 0) end.current?.scrollIntoView({ block: 'end' });
  }, [count]);
  return (
    <OverlayDrawer position="end" size={fullWidth ? 'full' : 'medium'} open={row !== null} onOpenChange={(_, data) => !data.open && onClose()}>
      <DrawerHeader>
        <DrawerHeaderTitle action={<Button appearance="subtle" aria-label="Close the monitor" icon={<DismissRegular />} onClick={onClose} />}>
          Monitoring {shown ? chatOf(shown) : ''}
        </DrawerHeaderTitle>
        {shown && (
          <Text size={200} className={styles.facts}>
            <EyeRegular aria-hidden />
            {status ? STATUS_LABELS[status] : ''} · {shown.queue ?? 'no queue'} · {holderOf(shown, agents)} · read-only, refreshed every 2 s
          </Text>
        )}
      </DrawerHeader>
      <DrawerBody className={styles.body}>
        {transcript.problem && (
          <MessageBar intent="warning">
            <MessageBarBody>The transcript could not be read: {transcript.problem}. Trying again.</MessageBarBody>
          </MessageBar>
        )}
        {transcript.loading ? (
          <Spinner label="Reading the transcript…" />
        ) : (
          <div className={styles.log} role="log" aria-label="Monitored transcript">
            {transcript.messages.length === 0 && <Text className={styles.empty}>No messages yet.</Text>}
            {transcript.messages.map((m) => <MonitorLine key={m.id} message={m} customerName={shown?.customer.name ?? 'Customer'} />)}
            <div ref={end} />
          </div>
        )}
      </DrawerBody>
    </OverlayDrawer>
  );
}
