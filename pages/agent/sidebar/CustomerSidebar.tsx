import { makeStyles, MessageBar, MessageBarBody, Spinner, tokens } from '@fluentui/react-components';
import { ConversationDetailsView } from './ConversationDetailsView';
import type { DetailsState } from './useConversationDetails';

const useStyles = makeStyles({
  root: {
    height: '100%',
    overflowY: 'auto',
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    padding: tokens.spacingHorizontalL,
    backgroundColor: tokens.colorNeutralBackground1,
    borderLeft: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    boxSizing: 'border-box',
  },
});

/**
 * The customer sidebar (D365's Active Conversation page, Chatwoot's contact panel): who the customer is,
 * the chat's queue and wait, the pre-chat answers and the other context variables with who set them,
 * how routing got the chat here and why, and the customer's earlier chats; or why it cannot say.
 */
export function CustomerSidebar({ state }: { state: DetailsState }) {
  const styles = useStyles();
  // Focusable: a long routing trace scrolls, and keyboard users must be able to scroll it too.
  return (
    <aside className={styles.root} aria-label="Customer details" tabIndex={0}>
      {state.kind === 'loading' && <Spinner size="small" label="Reading the customer's details…" />}
      {state.kind === 'error' && (
        <MessageBar intent="warning">
          <MessageBarBody>The customer's details are not available: {state.message}</MessageBarBody>
        </MessageBar>
      )}
      {state.kind === 'ready' && <ConversationDetailsView details={state.details} />}
    </aside>
  );
}
