import { makeStyles, mergeClasses, Text, tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';

const useStyles = makeStyles({
  root: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingHorizontalM,
    backgroundColor: tokens.colorNeutralBackground1,
    borderRadius: tokens.borderRadiusMedium,
    boxShadow: tokens.shadow2,
    minWidth: 0,
  },
  heading: { display: 'flex', flexWrap: 'wrap', alignItems: 'baseline', columnGap: tokens.spacingHorizontalM, rowGap: tokens.spacingVerticalXXS },
  hint: { color: tokens.colorNeutralForeground3 },
  // On a phone the cards inside are the panels: no frame around them.
  flat: { padding: 0, backgroundColor: 'transparent', boxShadow: 'none' },
  title: { margin: 0 },
});

export interface BoardSectionProps {
  id: string;
  title: string;
  /** A count or state beside the title. */
  badge?: ReactNode;
  hint?: string;
  /** Without the panel's frame (narrow screens, where the content is cards). */
  flat?: boolean;
  className?: string;
  children: ReactNode;
}

/** One screen of the supervisor's view (queues, chats, agents): a titled panel, a landmark named by its title. */
export function BoardSection({ id, title, badge, hint, flat, className, children }: BoardSectionProps) {
  const styles = useStyles();
  return (
    <section className={mergeClasses(styles.root, flat && styles.flat, className)} aria-labelledby={`${id}-heading`}>
      <div className={styles.heading}>
        <Text as="h2" id={`${id}-heading`} size={400} weight="semibold" className={styles.title}>{title}{badge}</Text>
        {hint && <Text size={200} className={styles.hint}>{hint}</Text>}
      </div>
      {children}
    </section>
  );
}
