import { makeStyles, mergeClasses, Text, tokens } from '@fluentui/react-components';
import type { QuickReply } from '../../workspace/contract';

const useStyles = makeStyles({
  list: {
    listStyle: 'none',
    margin: 0,
    padding: tokens.spacingVerticalXS,
    maxHeight: '14rem',
    overflowY: 'auto',
    backgroundColor: tokens.colorNeutralBackground1,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusMedium,
    boxShadow: tokens.shadow16,
  },
  option: {
    display: 'flex',
    flexDirection: 'column',
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalS}`,
    borderRadius: tokens.borderRadiusSmall,
    cursor: 'pointer',
    ':hover': { backgroundColor: tokens.colorNeutralBackground1Hover },
  },
  active: { backgroundColor: tokens.colorNeutralBackground1Selected, outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}` },
  text: { color: tokens.colorNeutralForeground3, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' },
  none: { padding: tokens.spacingHorizontalS, color: tokens.colorNeutralForeground3 },
});

export interface QuickReplyListProps {
  id: string;
  replies: QuickReply[];
  activeIndex: number;
  onPick: (reply: QuickReply) => void;
}

/**
 * The quick replies that match what follows `/` in the reply box. Focus stays in the box: ↑/↓ move the
 * highlight, Enter or Tab inserts, Escape closes (the reply box handles the keys); a click inserts too.
 */
export function QuickReplyList({ id, replies, activeIndex, onPick }: QuickReplyListProps) {
  const styles = useStyles();
  if (replies.length === 0) return <Text className={styles.none} id={id} as="p">No quick reply matches.</Text>;
  return (
    <ul className={styles.list} id={id} aria-label="Quick replies">
      {replies.map((reply, i) => (
        <li
          key={reply.title}
          className={mergeClasses(styles.option, i === activeIndex && styles.active)}
          aria-current={i === activeIndex ? 'true' : undefined}
          // mousedown, so the reply box keeps focus (a click would blur it first).
          onMouseDown={(event) => {
            event.preventDefault();
            onPick(reply);
          }}
        >
          <Text weight="semibold">{reply.title}</Text>
          <Text size={200} className={styles.text}>{reply.text}</Text>
        </li>
      ))}
    </ul>
  );
}
