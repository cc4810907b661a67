import { makeStyles, Text, tokens } from '@fluentui/react-components';

const useStyles = makeStyles({
  line: {
    margin: 0,
    minHeight: '20px',
    paddingInline: tokens.spacingHorizontalL,
    paddingBottom: tokens.spacingVerticalXS,
    color: tokens.colorNeutralForeground3,
    fontStyle: 'italic',
    // The transcript's background: the line reads as the transcript's last, not a band of its own.
    backgroundColor: tokens.colorNeutralBackground2,
  },
});

/** "Sam is typing…" while the customer types (the line keeps its height, so the reply box does not jump). */
export function TypingIndicator({ name, typing }: { name: string; typing: boolean }) {
  const styles = useStyles();
  return (
    <Text size={200} className={styles.line} aria-live="polite" as="p">
      {typing ? `${name} is typing…` : ''}
    </Text>
  );
}
