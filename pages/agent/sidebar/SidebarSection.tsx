import { makeStyles, Text, tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  empty: { color: tokens.colorNeutralForeground3 },
});

/** A titled part of the sidebar; `empty` is what it says when it has nothing to show (no children, or `false`). */
export function SidebarSection({ title, id, empty, children }: { title: string; id: string; empty?: string; children?: ReactNode }) {
  const styles = useStyles();
  return (
    <section className={styles.section} aria-labelledby={id}>
      <Text as="h3" weight="semibold" id={id}>{title}</Text>
      {children || <Text size={200} className={styles.empty}>{empty}</Text>}
    </section>
  );
}
