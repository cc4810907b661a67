import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle } from '@fluentui/react-components';

export interface CloseDialogProps {
  open: boolean;
  customerName: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

/**
 * Close without End first (D365 asks too): the customer is told the chat ended, and it closes
 * without a wrap-up.
 */
export function CloseDialog({ open, customerName, busy, onConfirm, onCancel }: CloseDialogProps) {
  return (
    <Dialog open={open} modalType="alert" onOpenChange={(_, data) => !data.open && onCancel()}>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>Close the chat with {customerName}?</DialogTitle>
          <DialogContent>
            The chat is still going on. Closing it ends it for {customerName} and closes it now, with no wrap-up.
          </DialogContent>
          <DialogActions>
            <Button onClick={onCancel}>Keep it open</Button>
            <Button appearance="primary" onClick={onConfirm} disabled={busy}>{busy ? 'Closing…' : 'End and close'}</Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
