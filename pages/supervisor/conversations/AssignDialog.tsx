import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, makeStyles, Text, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import type { AgentBoardRow, ConversationBoardRow } from '../../workspace/contract';
import { agentChoices } from '../../workspace/supervisorStore';
import { ActionProblem } from './ActionProblem';
import { AgentChoiceList } from './AgentChoiceList';
import { chatOf } from './conversationFacts';

const useStyles = makeStyles({
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

export interface AssignDialogProps {
  row: ConversationBoardRow;
  agents: AgentBoardRow[];
  busy: boolean;
  problem: string | undefined;
  onAssign: (agentId: string) => void;
  onCancel: () => void;
}

/**
 * Assign (D365: Open chats only): the agent picked gets the chat at once, with no offer to answer, in any
 * presence but Offline and from any queue, if a capacity unit is free; a live offer to someone else is withdrawn.
 */
export function AssignDialog({ row, agents, busy, problem, onAssign, onCancel }: AssignDialogProps) {
  const styles = useStyles();
  const [agentId, setAgentId] = useState<string>();
  const choices = agentChoices(agents);
  const picked = choices.find((c) => c.agent.id === agentId && !c.unavailable);
  return (
    <Dialog open onOpenChange={(_, data) => !data.open && onCancel()}>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>Assign {chatOf(row)}</DialogTitle>
          <DialogContent className={styles.content}>
            <Text>
              It waits in {row.queue ?? 'no queue'}. The agent you pick gets it at once, with no offer to answer, and {row.customer.name} hears they joined.
            </Text>
            <AgentChoiceList label="Agent" choices={choices} value={agentId} onChange={setAgentId} />
            <ActionProblem title="Not assigned" message={problem} />
          </DialogContent>
          <DialogActions>
            <Button onClick={onCancel}>Cancel</Button>
            <Button appearance="primary" disabled={!picked || busy} onClick={() => picked && onAssign(picked.agent.id)}>
              {busy ? 'Assigning…' : 'Assign'}
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
