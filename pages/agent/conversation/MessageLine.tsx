import { Avatar, Badge, makeStyles, mergeClasses, Text, tokens } from '@fluentui/react-components';
import { BotRegular, LockClosedRegular } from '@fluentui/react-icons';
import type { ShownMessage } from '../../workspace/agentStore';
import { timeOf } from '../../workspace/format';
import { AttachmentView } from './AttachmentView';

const useStyles = makeStyles({
  line: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'flex-end', maxWidth: '100%' },
  mine: { flexDirection: 'row-reverse' },
  system: { justifyContent: 'center' },
  column: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS, maxWidth: 'min(36rem, 80%)', minWidth: 0 },
  columnMine: { alignItems: 'flex-end' },
  meta: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center', color: tokens.colorNeutralForeground3 },
  bubble: {
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    borderRadius: tokens.borderRadiusLarge,
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
  },
  customer: { backgroundColor: tokens.colorNeutralBackground1, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}` },
  bot: { backgroundColor: tokens.colorNeutralBackground3 },
  agent: { backgroundColor: tokens.colorBrandBackground2, color: tokens.colorNeutralForeground1 },
  agentsOnly: {
    backgroundColor: tokens.colorPaletteYellowBackground1,
    border: `${tokens.strokeWidthThin} dashed ${tokens.colorPaletteYellowBorder2}`,
  },
  systemText: { color: tokens.colorNeutralForeground3, fontStyle: 'italic', textAlign: 'center', paddingBlock: tokens.spacingVerticalXS },
  failed: { color: tokens.colorPaletteRedForeground1 },
});

/** Who is signed in, as the snapshot names them. */
export interface AgentName {
  id: string;
  name: string;
}

export interface MessageLineProps {
  message: ShownMessage;
  customerName: string;
  /** The signed-in agent: their own lines carry their name. */
  agent: AgentName;
}

/**
 * One transcript line, each author with a look of their own: the customer on the left, the bot on the
 * left with its icon, agents on the right, Switchboard's notices centred; lines only agents see (the
 * bot's escalation summary, internal notes) marked "Agents only" in the note colour.
 */
export function MessageLine({ message, customerName, agent }: MessageLineProps) {
  const styles = useStyles();
  const agentsOnly = message.visibility === 'agents';
  if (message.role === 'system' && !agentsOnly) {
    return <Text size={200} className={styles.systemText} as="p">{message.text} · {timeOf(message.timestamp)}</Text>;
  }
  const mine = message.role === 'agent';
  const author = authorName(message, customerName, agent);
  const bubble = mergeClasses(
    styles.bubble,
    message.role === 'customer' && styles.customer,
    message.role === 'bot' && styles.bot,
    message.role === 'agent' && styles.agent,
    agentsOnly && styles.agentsOnly,
  );
  return (
    <article className={mergeClasses(styles.line, mine && styles.mine)} aria-label={`${author}${agentsOnly ? ', agents only' : ''}, ${timeOf(message.timestamp)}`}>
      {message.role === 'bot' ? <Avatar icon={<BotRegular />} size={28} aria-hidden /> : <Avatar name={author} size={28} aria-hidden />}
      <div className={mergeClasses(styles.column, mine && styles.columnMine)}>
        <span className={styles.meta}>
          <Text size={200} weight="semibold">{author}</Text>
          <Text size={200}>{timeOf(message.timestamp)}</Text>
          {agentsOnly && <Badge appearance="tint" color="warning" size="small" icon={<LockClosedRegular />}>Agents only</Badge>}
        </span>
        <div className={bubble}>
          {message.text && <span>{message.text}</span>}
          {message.attachments?.map((attachment, i) => <AttachmentView key={i} attachment={attachment} />)}
        </div>
        {message.pending && <Text size={100} className={styles.meta}>Sending…</Text>}
        {message.failed && <Text size={200} className={styles.failed} role="alert">Not sent: {message.failed}</Text>}
      </div>
    </article>
  );
}

/**
 * The stream's lines say who wrote them (authorId); the transcript's pages do not. An agent line of the
 * signed-in agent carries their name, another agent's their id, one whose author is not known "Agent".
 */
function authorName(message: ShownMessage, customerName: string, agent: AgentName): string {
  switch (message.role) {
    case 'customer':
      return customerName;
    case 'bot':
      return message.authorId ?? 'Bot';
    case 'agent':
      if (!message.authorId) return 'Agent';
      return message.authorId === agent.id ? agent.name : message.authorId;
    case 'system':
      return 'Switchboard';
  }
}
