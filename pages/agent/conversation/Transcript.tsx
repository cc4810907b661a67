import { Button, makeStyles, MessageBar, MessageBarActions, MessageBarBody, Spinner, tokens } from '@fluentui/react-components';
import { useEffect, useLayoutEffect, useRef } from 'react';
import type { ShownMessage } from '../../workspace/agentStore';
import { MessageLine, type AgentName } from './MessageLine';

const useStyles = makeStyles({
  log: {
    flexGrow: 1,
    minHeight: 0,
    overflowY: 'auto',
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    padding: tokens.spacingHorizontalL,
    backgroundColor: tokens.colorNeutralBackground2,
  },
  lines: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

/** Near the bottom means following along: a new line scrolls into view only then, not while the agent reads back. */
const FOLLOWING_WITHIN_PX = 120;

export interface TranscriptProps {
  messages: ShownMessage[];
  loading: boolean;
  problem?: string;
  onRetry: () => void;
  customerName: string;
  agent: AgentName;
}

/** The whole chat, the bot's part before the handoff included, as a live log. */
export function Transcript({ messages, loading, problem, onRetry, customerName, agent }: TranscriptProps) {
  const styles = useStyles();
  const log = useRef<HTMLDivElement>(null);
  const following = useRef(true);

  useLayoutEffect(() => {
    const element = log.current;
    if (element && following.current) element.scrollTop = element.scrollHeight;
  }, [messages.length, loading]);

  // Lines grow after they are added (a card renders, an image loads): an agent following along stays at the end.
  const lines = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = log.current;
    const content = lines.current;
    if (!element || !content) return;
    const observer = new ResizeObserver(() => {
      if (following.current) element.scrollTop = element.scrollHeight;
    });
    observer.observe(content);
    return () => observer.disconnect();
  }, []);

  const onScroll = () => {
    const element = log.current;
    if (element) following.current = element.scrollHeight - element.scrollTop - element.clientHeight < FOLLOWING_WITHIN_PX;
  };

  return (
    <div ref={log} className={styles.log} role="log" aria-label="Transcript" aria-busy={loading} onScroll={onScroll} tabIndex={0}>
      {problem && (
        <MessageBar intent="error">
          <MessageBarBody>The transcript could not be read: {problem}</MessageBarBody>
          <MessageBarActions>
            <Button onClick={onRetry}>Try again</Button>
          </MessageBarActions>
        </MessageBar>
      )}
      {loading && messages.length === 0 && <Spinner label="Reading the transcript…" size="small" />}
      <div ref={lines} className={styles.lines}>
        {messages.map((message) => (
          <MessageLine key={message.id} message={message} customerName={customerName} agent={agent} />
        ))}
      </div>
    </div>
  );
}
