import { Badge, makeStyles, mergeClasses, Text, tokens } from '@fluentui/react-components';
import { AttachRegular, LockClosedRegular } from '@fluentui/react-icons';
import type { Message } from '../../workspace/contract';
import { timeOf } from '../../workspace/format';

const useStyles = makeStyles({
  line: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXXS,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    borderRadius: tokens.borderRadiusMedium,
    borderLeft: `${tokens.strokeWidthThick} solid ${tokens.colorNeutralStroke2}`,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  customer: { borderLeftColor: tokens.colorNeutralStrokeAccessible },
  bot: { backgroundColor: tokens.colorNeutralBackground3 },
  agent: { borderLeftColor: tokens.colorBrandStroke1, backgroundColor: tokens.colorBrandBackground2 },
  agentsOnly: {
    backgroundColor: tokens.colorPaletteYellowBackground1,
    borderLeftColor: tokens.colorPaletteYellowBorderActive,
    borderLeftStyle: 'dashed',
  },
  meta: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center', color: tokens.colorNeutralForeground3 },
  text: { whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' },
  system: { color: tokens.colorNeutralForeground3, fontStyle: 'italic', textAlign: 'center' },
  attachment: { display: 'inline-flex', alignItems: 'center', gap: tokens.spacingHorizontalXS, color: tokens.colorNeutralForeground2 },
});

const AUTHORS = { customer: '', bot: 'Bot', agent: 'Agent', system: 'Switchboard' } as const;

/**
 * One line of a monitored transcript, read-only: who wrote it and when, and lines only agents see (the
 * bot's escalation summary, internal notes) marked "Agents only" in the note colour. Attachments are
 * named, not opened: monitoring reads, it does not fetch the customer's files.
 */
export function MonitorLine({ message, customerName }: { message: Message; customerName: string }) {
  const styles = useStyles();
  const agentsOnly = message.visibility === 'agents';
  if (message.role === 'system' && !agentsOnly) {
    return <Text size={200} as="p" className={styles.system}>{message.text} · {timeOf(message.timestamp)}</Text>;
  }
  const author = message.role === 'customer' ? customerName : AUTHORS[message.role];
  return (
    <article
      className={mergeClasses(styles.line, styles[message.role === 'system' ? 'bot' : message.role], agentsOnly && styles.agentsOnly)}
      aria-label={`${author}${agentsOnly ? ', agents only' : ''}, ${timeOf(message.timestamp)}`}
    >
      <span className={styles.meta}>
        <Text size={200} weight="semibold">{author}</Text>
        <Text size={200}>{timeOf(message.timestamp)}</Text>
        {agentsOnly && <Badge appearance="tint" color="warning" size="small" icon={<LockClosedRegular />}>Agents only</Badge>}
      </span>
      {message.text && <Text className={styles.text}>{message.text}</Text>}
      {message.attachments?.map((a, i) => (
        <Text key={i} size={200} className={styles.attachment}><AttachRegular aria-hidden />{a.name ?? (a.contentType.includes('card') ? 'A card' : a.contentType)}</Text>
      ))}
    </article>
  );
}
