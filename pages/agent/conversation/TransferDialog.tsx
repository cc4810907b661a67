import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, Dropdown, Field, Option } from '@fluentui/react-components';
import { useState } from 'react';
import type { QueueTarget } from '../../workspace/contract';

export interface TransferDialogProps {
  open: boolean;
  customerName: string;
  currentQueue: string | null;
  queues: QueueTarget[];
  busy: boolean;
  onTransfer: (queue: string) => void;
  onCancel: () => void;
}

/** Transfer to a queue (D365's `/tq`): the chat leaves this agent and is routed in the queue picked. */
export function TransferDialog({ open, customerName, currentQueue, queues, busy, onTransfer, onCancel }: TransferDialogProps) {
  const [queue, setQueue] = useState<string>();
  const targets = queues.filter((q) => q.name !== currentQueue);
  return (
    <Dialog open={open} onOpenChange={(_, data) => !data.open && onCancel()}>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>Transfer the chat with {customerName}</DialogTitle>
          <DialogContent>
            <Field label="To queue" hint="The chat leaves you and waits in that queue for its next agent (or its bot).">
              <Dropdown
                placeholder="Pick a queue"
                value={queue ?? ''}
                selectedOptions={queue ? [queue] : []}
                onOptionSelect={(_, data) => setQueue(data.optionValue)}
              >
                {targets.map((q) => (
                  <Option key={q.name} value={q.name} text={q.name}>{q.name}</Option>
                ))}
              </Dropdown>
            </Field>
          </DialogContent>
          <DialogActions>
            <Button onClick={onCancel}>Cancel</Button>
            <Button appearance="primary" disabled={!queue || busy} onClick={() => queue && onTransfer(queue)}>
              {busy ? 'Transferring…' : 'Transfer'}
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
