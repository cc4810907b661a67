import { Avatar, Badge, CounterBadge, makeStyles, mergeClasses, Text, tokens } from '@fluentui/react-components';
import type { ConversationRow } from '../../workspace/contract';
import { STATUS_LABELS, timeOf } from '../../workspace/format';

const useStyles = makeStyles({
  row: { display: 'grid', gridTemplateColumns: 'auto 1fr auto', columnGap: tokens.spacingHorizontalS, alignItems: 'center', width: '100%', textAlign: 'start' },
  text: { display: 'flex', flexDirection: 'column', minWidth: 0 },
  line: { whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' },
  meta: { color: tokens.colorNeutralForeground3 },
  unreadLine: { fontWeight: tokens.fontWeightSemibold, color: tokens.colorNeutralForeground1 },
  end: { display: 'flex', flexDirection: 'column', alignItems: 'flex-end', gap: tokens.spacingVerticalXXS },
});

/** Who wrote the list's last line, in a word: a customer's line needs nothing. */
const AUTHOR: Record<string, string> = { agent: 'You: ', bot: 'Bot: ', system: '' };

/** One chat in the sessions list: customer, queue, last line, unread count and status. */
export function SessionItem({ conversation, unread }: { conversation: ConversationRow; unread: number }) {
  const styles = useStyles();
  const last = conversation.lastMessage;
  const wrapUp = conversation.status === 'WrapUp';
  return (
    <span className={styles.row}>
      <Avatar name={conversation.customer.name} size={32} color="colorful" aria-hidden />
      <span className={styles.text}>
        <Text weight="semibold" className={styles.line}>{conversation.customer.name}</Text>
        <Text size={200} className={mergeClasses(styles.line, styles.meta)}>{conversation.queue ?? conversation.workstream}</Text>
        <Text size={200} className={mergeClasses(styles.line, unread > 0 ? styles.unreadLine : styles.meta)}>
          {last ? `${AUTHOR[last.role] ?? ''}${last.text || '(attachment)'}` : 'No messages yet'}
        </Text>
      </span>
      <span className={styles.end}>
        {last && <Text size={100} className={styles.meta}>{timeOf(last.timestamp)}</Text>}
        {unread > 0 && <CounterBadge count={unread} overflowCount={9} color="brand" size="small" aria-label={`${unread} unread`} />}
        <Badge appearance="tint" color={wrapUp ? 'warning' : 'success'} size="small">{STATUS_LABELS[conversation.status] ?? conversation.status}</Badge>
      </span>
    </span>
  );
}
