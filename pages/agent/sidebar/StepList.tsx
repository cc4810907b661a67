import { makeStyles, Text, tokens } from '@fluentui/react-components';

const useStyles = makeStyles({
  steps: { listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  step: { borderLeft: `${tokens.strokeWidthThick} solid ${tokens.colorNeutralStroke2}`, paddingLeft: tokens.spacingHorizontalS },
  detail: { color: tokens.colorNeutralForeground3 },
});

export interface Step {
  key: string;
  title: string;
  /** Lines under the title: the rule and the why of a routing step, the queue and agent of an earlier chat. */
  details: string[];
}

/** An ordered list of things that happened, each a title with a few lines under it. */
export function StepList({ steps }: { steps: Step[] }) {
  const styles = useStyles();
  return (
    <ol className={styles.steps}>
      {steps.map((step) => (
        <li key={step.key} className={styles.step}>
          <Text size={200} weight="semibold" block>{step.title}</Text>
          {step.details.map((line, i) => <Text key={i} size={200} block className={styles.detail}>{line}</Text>)}
        </li>
      ))}
    </ol>
  );
}
