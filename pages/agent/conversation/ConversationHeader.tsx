import { Avatar, Badge, Button, makeStyles, Text, tokens, Toolbar, ToolbarButton, Tooltip } from '@fluentui/react-components';
import { ArrowLeftRegular, ArrowSwapRegular, DismissRegular, PersonInfoRegular, StopRegular } from '@fluentui/react-icons';
import type { ReactElement } from 'react';
import type { ConversationRow } from '../../workspace/contract';
import { STATUS_LABELS } from '../../workspace/format';

const useStyles = makeStyles({
  header: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  who: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, flexGrow: 1, minWidth: 0 },
  names: { display: 'flex', flexDirection: 'column', minWidth: 0 },
  name: { whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' },
  meta: { color: tokens.colorNeutralForeground3 },
});

export interface ConversationHeaderProps {
  conversation: ConversationRow;
  showBack: boolean;
  showDetails: boolean;
  /** Icons only (a phone): the buttons keep their names for screen readers and tooltips. */
  compact: boolean;
  busy: boolean;
  onBack: () => void;
  onDetails: () => void;
  onTransfer: () => void;
  onEnd: () => void;
  onClose: () => void;
}

/** Who the chat is with, its queue and status, and what the agent can do: Transfer and End while Active, Close always. */
export function ConversationHeader({ conversation, showBack, showDetails, compact, busy, onBack, onDetails, onTransfer, onEnd, onClose }: ConversationHeaderProps) {
  const styles = useStyles();
  const active = conversation.status === 'Active';
  const action = (label: string, icon: ReactElement, onClick: () => void, disabled = false) => {
    const button = (
      <ToolbarButton icon={icon} onClick={onClick} disabled={disabled} aria-label={compact ? label : undefined}>
        {compact ? undefined : label}
      </ToolbarButton>
    );
    return compact ? <Tooltip content={label} relationship="description">{button}</Tooltip> : button;
  };
  return (
    <div className={styles.header}>
      {showBack && <Button appearance="subtle" icon={<ArrowLeftRegular />} onClick={onBack} aria-label="Back to my chats" />}
      <div className={styles.who}>
        <Avatar name={conversation.customer.name} color="colorful" aria-hidden />
        <div className={styles.names}>
          <Text as="h2" weight="semibold" size={400} className={styles.name} id={`conversation-title-${conversation.id}`}>{conversation.customer.name}</Text>
          <Text size={200} className={styles.meta}>{conversation.queue ?? conversation.workstream}</Text>
        </div>
        <Badge appearance="tint" color={active ? 'success' : 'warning'}>{STATUS_LABELS[conversation.status] ?? conversation.status}</Badge>
      </div>
      <Toolbar aria-label="Chat actions" size="small">
        {showDetails && action('Customer', <PersonInfoRegular />, onDetails)}
        {active && action('Transfer', <ArrowSwapRegular />, onTransfer, busy)}
        {active && action('End', <StopRegular />, onEnd, busy)}
        {action('Close', <DismissRegular />, onClose, busy)}
      </Toolbar>
    </div>
  );
}
