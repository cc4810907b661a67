import { makeStyles, tokens, Tooltip } from '@fluentui/react-components';

const useStyles = makeStyles({
  term: {
    cursor: 'help',
    textDecorationLine: 'underline',
    textDecorationStyle: 'dotted',
    textDecorationColor: tokens.colorNeutralForeground3,
    textUnderlineOffset: '3px',
  },
});

/** A figure's name with its definition on hover or focus (the dotted underline says there is one). */
export function DefinedTerm({ label, definition }: { label: string; definition: string }) {
  const styles = useStyles();
  return (
    <Tooltip content={definition} relationship="description" withArrow>
      <span className={styles.term} tabIndex={0}>{label}</span>
    </Tooltip>
  );
}
