import {
  Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, Dropdown, Field, makeStyles, Option, Radio, RadioGroup, tokens,
} from '@fluentui/react-components';
import { useState } from 'react';
import type { AgentBoardRow, ConversationBoardRow } from '../../workspace/contract';
import { agentChoices } from '../../workspace/supervisorStore';
import { ActionProblem } from './ActionProblem';
import { AgentChoiceList } from './AgentChoiceList';
import { chatOf } from './conversationFacts';

const useStyles = makeStyles({
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

export type TransferTarget = { queue: string } | { agentId: string };

export interface TransferDialogProps {
  row: ConversationBoardRow;
  queues: string[];
  agents: AgentBoardRow[];
  busy: boolean;
  problem: string | undefined;
  onTransfer: (to: TransferTarget) => void;
  onCancel: () => void;
}

/**
 * Transfer an Active chat: to a queue (it waits there for that queue's next agent, or its bot), or straight
 * to an agent (who has it at once). Either way its agent leaves and gets the capacity back.
 */
export function TransferDialog({ row, queues, agents, busy, problem, onTransfer, onCancel }: TransferDialogProps) {
  const styles = useStyles();
  const [to, setTo] = useState<'queue' | 'agent'>('queue');
  const [queue, setQueue] = useState<string>();
  const [agentId, setAgentId] = useState<string>();
  const choices = agentChoices(agents, row.assignee?.id);
  const target: TransferTarget | undefined = to === 'queue'
    ? (queue ? { queue } : undefined)
    : (choices.some((c) => c.agent.id === agentId && !c.unavailable) && agentId ? { agentId } : undefined);
  return (
    <Dialog open onOpenChange={(_, data) => !data.open && onCancel()}>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>Transfer {chatOf(row)}</DialogTitle>
          <DialogContent className={styles.content}>
            <Field label="Transfer to">
              <RadioGroup layout="horizontal" value={to} onChange={(_, data) => setTo(data.value as 'queue' | 'agent')}>
                <Radio value="queue" label="A queue" />
                <Radio value="agent" label="An agent" />
              </RadioGroup>
            </Field>
            {to === 'queue' ? (
              <Field label="Queue" hint={`${row.assignee?.name ?? 'The agent'} leaves the chat; it waits in that queue for its next agent (or its bot).`}>
                <Dropdown placeholder="Pick a queue" value={queue ?? ''} selectedOptions={queue ? [queue] : []} onOptionSelect={(_, data) => setQueue(data.optionValue)}>
                  {queues.filter((q) => q !== row.queue).map((q) => <Option key={q} value={q}>{q}</Option>)}
                </Dropdown>
              </Field>
            ) : (
              <AgentChoiceList label="Agent" choices={choices} value={agentId} onChange={setAgentId} />
            )}
            <ActionProblem title="Not transferred" message={problem} />
          </DialogContent>
          <DialogActions>
            <Button onClick={onCancel}>Cancel</Button>
            <Button appearance="primary" disabled={!target || busy} onClick={() => target && onTransfer(target)}>
              {busy ? 'Transferring…' : 'Transfer'}
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
