import { makeStyles, Text, tokens } from '@fluentui/react-components';
import { AdaptiveCard, HostConfig } from 'adaptivecards';
import { useEffect, useRef, useState } from 'react';

const useStyles = makeStyles({
  card: {
    maxWidth: '22rem',
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground1,
    padding: tokens.spacingHorizontalS,
    fontFamily: tokens.fontFamilyBase,
  },
  problem: { color: tokens.colorNeutralForeground3, fontStyle: 'italic' },
});

/**
 * The host settings of a read-only card: the agent sees what the customer saw, and nothing in it acts
 * (no buttons, no inputs: supportsInteractivity false). Text is never treated as Markdown or HTML (no
 * Markdown processor is installed), so a card cannot inject markup into the workspace.
 */
const READ_ONLY = new HostConfig({
  supportsInteractivity: false,
  fontFamily: 'inherit',
});

/** A bot's or customer's Adaptive Card, rendered read-only by Microsoft's adaptivecards renderer. */
export function AdaptiveCardView({ content }: { content: unknown }) {
  const styles = useStyles();
  const host = useRef<HTMLDivElement>(null);
  const [problem, setProblem] = useState<string>();

  useEffect(() => {
    const target = host.current;
    if (!target) return;
    try {
      const card = new AdaptiveCard();
      card.hostConfig = READ_ONLY;
      card.parse(content);
      const rendered = card.render();
      if (!rendered) throw new Error('the card has nothing to show');
      target.replaceChildren(rendered);
      setProblem(undefined);
    } catch (error) {
      target.replaceChildren();
      setProblem(error instanceof Error ? error.message : String(error));
    }
  }, [content]);

  return (
    <div className={styles.card} aria-label="Adaptive Card (read-only)" role="group">
      <div ref={host} />
      {problem && <Text size={200} className={styles.problem}>This card cannot be shown: {problem}</Text>}
    </div>
  );
}
