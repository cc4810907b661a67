import { Button, makeStyles, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle, Spinner, tokens } from '@fluentui/react-components';

const useStyles = makeStyles({
  root: {
    flexGrow: 1,
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    padding: tokens.spacingHorizontalXXL,
    backgroundColor: tokens.colorNeutralBackground2,
  },
  error: { maxWidth: '32rem' },
});

export type StatusScreenProps =
  | { kind: 'loading'; label: string }
  | { kind: 'error'; title: string; message: string; onRetry?: () => void };

/** A whole page while it loads, or when it cannot go on (with Try again when trying again may help). */
export function StatusScreen(props: StatusScreenProps) {
  const styles = useStyles();
  return (
    <main className={styles.root} aria-busy={props.kind === 'loading'}>
      {props.kind === 'loading' ? (
        <Spinner label={props.label} labelPosition="below" size="large" />
      ) : (
        <MessageBar intent="error" layout="multiline" className={styles.error}>
          <MessageBarBody>
            <MessageBarTitle>{props.title}</MessageBarTitle>
            {props.message}
          </MessageBarBody>
          {props.onRetry && (
            <MessageBarActions>
              <Button appearance="primary" onClick={props.onRetry}>Try again</Button>
            </MessageBarActions>
          )}
        </MessageBar>
      )}
    </main>
  );
}
