import { Button, makeStyles, tokens, Tooltip } from '@fluentui/react-components';
import { ArrowForwardRegular, DismissCircleRegular, EyeRegular, PersonArrowRightRegular } from '@fluentui/react-icons';
import type { ReactElement } from 'react';
import type { ConversationBoardRow } from '../../workspace/contract';
import { allowedActions } from '../../workspace/supervisorStore';
import { chatOf } from './conversationFacts';

const useStyles = makeStyles({
  root: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalXS },
});

export type ConversationActionKind = 'monitor' | 'assign' | 'transfer' | 'forceClose';

const WHY_NOT: Record<ConversationActionKind, string> = {
  monitor: '',
  assign: 'Only a chat waiting in a queue (Open) can be assigned',
  transfer: 'Only an Active chat an agent holds can be transferred',
  forceClose: 'The chat is closed',
};

export interface ConversationActionsProps {
  row: ConversationBoardRow;
  /** Icons alone (the table), or icons with their names (the cards). */
  compact: boolean;
  onAction: (kind: ConversationActionKind, row: ConversationBoardRow) => void;
}

/**
 * The supervisor's four actions on one chat (D365's Monitor, Assign, Transfer, Force close), always in the
 * same place; one that does not apply now is disabled and says why on hover.
 */
export function ConversationActions({ row, compact, onAction }: ConversationActionsProps) {
  const styles = useStyles();
  const allowed = allowedActions(row);
  const chat = chatOf(row);
  const button = (kind: ConversationActionKind, label: string, icon: ReactElement, enabled: boolean) => {
    const name = `${label} ${chat}`;
    const control = (
      <Button
        size="small"
        appearance="subtle"
        icon={icon}
        disabledFocusable={!enabled}
        // Named by its tooltip when enabled; an explicit undefined here would override the tooltip's name.
        {...(compact && !enabled ? { 'aria-label': name } : {})}
        onClick={() => enabled && onAction(kind, row)}
      >
        {compact ? undefined : label}
      </Button>
    );
    if (!enabled) return <Tooltip content={WHY_NOT[kind]} relationship="description">{control}</Tooltip>;
    if (compact) return <Tooltip content={name} relationship="label">{control}</Tooltip>;
    return control;
  };
  return (
    <div className={styles.root} role="group" aria-label={`Actions on ${chat}`}>
      {button('monitor', 'Monitor', <EyeRegular />, allowed.monitor)}
      {button('assign', 'Assign', <PersonArrowRightRegular />, allowed.assign)}
      {button('transfer', 'Transfer', <ArrowForwardRegular />, allowed.transfer)}
      {button('forceClose', 'Force close', <DismissCircleRegular />, allowed.forceClose)}
    </div>
  );
}
