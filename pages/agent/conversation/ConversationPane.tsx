import { makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import type { ShownMessage } from '../../workspace/agentStore';
import type { ConversationRow, QueueTarget, QuickReply } from '../../workspace/contract';
import { CloseDialog } from './CloseDialog';
import { ConversationHeader } from './ConversationHeader';
import type { AgentName } from './MessageLine';
import { ReplyBox, type ReplyMode } from './ReplyBox';
import { TransferDialog } from './TransferDialog';
import { Transcript } from './Transcript';
import { TypingIndicator } from './TypingIndicator';

const useStyles = makeStyles({
  pane: { display: 'flex', flexDirection: 'column', minHeight: 0, minWidth: 0, height: '100%', backgroundColor: tokens.colorNeutralBackground1 },
});

export interface ConversationPaneProps {
  conversation: ConversationRow;
  /** The signed-in agent: their own lines carry their name. */
  agent: AgentName;
  messages: ShownMessage[];
  loading: boolean;
  problem?: string;
  onRetry: () => void;
  customerTyping: boolean;
  queues: QueueTarget[];
  quickReplies: (filter: string) => QuickReply[];
  draft: string;
  onDraft: (text: string) => void;
  showBack: boolean;
  showDetails: boolean;
  compact: boolean;
  onBack: () => void;
  onDetails: () => void;
  onSend: (text: string, mode: ReplyMode) => void;
  onTyping: () => void;
  /** Each resolves when the server has answered (the page shows errors itself). */
  onTransfer: (queue: string) => Promise<void>;
  /** Resolves to whether the chat ended (a confirmed Close goes on only then). */
  onEnd: () => Promise<boolean>;
  onClose: () => Promise<void>;
}

/** The chat on screen: header with its actions, the transcript, the customer's typing, the reply box. */
export function ConversationPane(props: ConversationPaneProps) {
  const styles = useStyles();
  const { conversation } = props;
  const [dialog, setDialog] = useState<'transfer' | 'close' | undefined>();
  const [busy, setBusy] = useState(false);

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await action();
    } finally {
      setBusy(false);
      setDialog(undefined);
    }
  };

  // After End (wrap-up) Close needs no confirmation; before it, it does.
  const close = () => (conversation.status === 'Active' ? setDialog('close') : void run(props.onClose));

  return (
    <section className={styles.pane} role="tabpanel" aria-labelledby={`conversation-title-${conversation.id}`}>
      <ConversationHeader
        conversation={conversation}
        showBack={props.showBack}
        showDetails={props.showDetails}
        compact={props.compact}
        busy={busy}
        onBack={props.onBack}
        onDetails={props.onDetails}
        onTransfer={() => setDialog('transfer')}
        onEnd={() => void run(props.onEnd)}
        onClose={close}
      />
      <Transcript
        messages={props.messages}
        loading={props.loading}
        problem={props.problem}
        onRetry={props.onRetry}
        customerName={conversation.customer.name}
        agent={props.agent}
      />
      <TypingIndicator name={conversation.customer.name} typing={props.customerTyping} />
      <ReplyBox
        key={conversation.id}
        conversationId={conversation.id}
        canReply={conversation.status === 'Active'}
        draft={props.draft}
        onDraft={props.onDraft}
        quickReplies={props.quickReplies}
        onSend={props.onSend}
        onTyping={props.onTyping}
      />
      <TransferDialog
        open={dialog === 'transfer'}
        customerName={conversation.customer.name}
        currentQueue={conversation.queue}
        queues={props.queues}
        busy={busy}
        onTransfer={(queue) => void run(() => props.onTransfer(queue))}
        onCancel={() => setDialog(undefined)}
      />
      <CloseDialog
        open={dialog === 'close'}
        customerName={conversation.customer.name}
        busy={busy}
        onConfirm={() => void run(async () => {
          if (await props.onEnd()) await props.onClose();
        })}
        onCancel={() => setDialog(undefined)}
      />
    </section>
  );
}
