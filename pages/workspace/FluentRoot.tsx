import { FluentProvider, makeStaticStyles, makeStyles, webLightTheme } from '@fluentui/react-components';
import type { ReactNode } from 'react';

/** The page fills the window edge to edge (the browser's default body margin would frame it). */
const useGlobalStyles = makeStaticStyles({
  body: { margin: 0 },
});

const useStyles = makeStyles({
  root: {
    height: '100dvh',
    display: 'flex',
    flexDirection: 'column',
    overflow: 'hidden',
  },
});

/**
 * Fluent's light theme (Omnichannel's look) around a whole page, filling the window. The layout is on a
 * box inside the provider, not on the provider: Fluent gives portals (toasts, menus, dialogs) the
 * provider's classes, and a full-window box there would cover the page.
 */
export function FluentRoot({ children }: { children: ReactNode }) {
  useGlobalStyles();
  const styles = useStyles();
  return (
    <FluentProvider theme={webLightTheme}>
      <div className={styles.root}>{children}</div>
    </FluentProvider>
  );
}
