import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, makeStyles, Text, tokens } from '@fluentui/react-components';
import type { ConversationBoardRow } from '../../workspace/contract';
import { ActionProblem } from './ActionProblem';
import { chatOf } from './conversationFacts';

const useStyles = makeStyles({
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

export interface ForceCloseDialogProps {
  row: ConversationBoardRow;
  busy: boolean;
  problem: string | undefined;
  onConfirm: () => void;
  onCancel: () => void;
}

/** Force close asks first: it ends the chat for everyone in it at once, with no wrap-up. */
export function ForceCloseDialog({ row, busy, problem, onConfirm, onCancel }: ForceCloseDialogProps) {
  const styles = useStyles();
  const agent = row.assignee?.kind === 'agent' ? ` and ${row.assignee.name}` : '';
  return (
    <Dialog open modalType="alert" onOpenChange={(_, data) => !data.open && onCancel()}>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>Force close {chatOf(row)}?</DialogTitle>
          <DialogContent className={styles.content}>
            <Text>The chat closes now, with no wrap-up. {row.customer.name}{agent} {agent ? 'are' : 'is'} told a supervisor ended it.</Text>
            <ActionProblem title="Not closed" message={problem} />
          </DialogContent>
          <DialogActions>
            <Button onClick={onCancel}>Keep it open</Button>
            <Button appearance="primary" disabled={busy} onClick={onConfirm}>{busy ? 'Closing…' : 'Force close'}</Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
