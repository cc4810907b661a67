import { Button, makeStyles, Tab, TabList, Text, Textarea, tokens } from '@fluentui/react-components';
import { SendRegular } from '@fluentui/react-icons';
import { useRef, useState, type KeyboardEvent } from 'react';
import type { QuickReply } from '../../workspace/contract';
import { QuickReplyList } from './QuickReplyList';

const useStyles = makeStyles({
  root: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXS,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalL} ${tokens.spacingVerticalM}`,
    borderTop: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    backgroundColor: tokens.colorNeutralBackground1,
    position: 'relative',
  },
  popup: { position: 'absolute', bottom: '100%', left: tokens.spacingHorizontalL, right: tokens.spacingHorizontalL, zIndex: 10 },
  row: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'flex-end' },
  box: { flexGrow: 1 },
  note: { backgroundColor: tokens.colorPaletteYellowBackground1 },
  hint: { color: tokens.colorNeutralForeground3 },
});

export type ReplyMode = 'reply' | 'note';

export interface ReplyBoxProps {
  conversationId: string;
  /** Replies go to the customer only while the chat is Active; notes can be written in wrap-up too. */
  canReply: boolean;
  draft: string;
  onDraft: (text: string) => void;
  quickReplies: (filter: string) => QuickReply[];
  onSend: (text: string, mode: ReplyMode) => void;
  /** Called as the agent types a reply (the caller throttles nothing: this box sends one every few seconds at most). */
  onTyping: () => void;
}

/** A typing signal lasts a few seconds at the customer's end: one every 3 s keeps it showing while the agent types. */
const TYPING_EVERY_MS = 3_000;

/**
 * The reply box: Enter sends, Shift+Enter starts a new line, `/` opens the quick replies filtered by
 * what follows it, and a Reply / Internal note switch (notes reach agents only, and look like notes).
 */
export function ReplyBox({ conversationId, canReply, draft, onDraft, quickReplies, onSend, onTyping }: ReplyBoxProps) {
  const styles = useStyles();
  const [mode, setMode] = useState<ReplyMode>(canReply ? 'reply' : 'note');
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState(false);
  const lastTyping = useRef(0);
  const effectiveMode: ReplyMode = canReply ? mode : 'note';
  const slash = /^\/([^\n]*)$/.exec(draft);
  const matches = slash && !dismissed ? quickReplies(slash[1] ?? '') : undefined;
  const listId = `quick-replies-${conversationId}`;

  const change = (text: string) => {
    onDraft(text);
    setActive(0);
    if (!text.startsWith('/')) setDismissed(false);
    if (effectiveMode === 'reply' && text && Date.now() - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = Date.now();
      onTyping();
    }
  };

  const pick = (reply: QuickReply) => {
    onDraft(reply.text);
    setDismissed(true);
  };

  const send = () => {
    const text = draft.trim();
    if (!text) return;
    onSend(text, effectiveMode);
    onDraft('');
    setDismissed(false);
    lastTyping.current = 0;
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.nativeEvent.isComposing) return;
    if (matches && matches.length > 0) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        setActive((i) => (i + step + matches.length) % matches.length);
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        const reply = matches[Math.min(active, matches.length - 1)];
        if (reply) pick(reply);
        return;
      }
    }
    if (matches && event.key === 'Escape') {
      event.preventDefault();
      setDismissed(true);
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      send();
    }
  };

  const note = effectiveMode === 'note';
  return (
    <div className={styles.root}>
      {matches && (
        <div className={styles.popup}>
          <QuickReplyList id={listId} replies={matches} activeIndex={active} onPick={pick} />
        </div>
      )}
      <TabList size="small" selectedValue={effectiveMode} onTabSelect={(_, data) => setMode(data.value as ReplyMode)} aria-label="Write a">
        <Tab value="reply" disabled={!canReply}>Reply</Tab>
        <Tab value="note">Internal note</Tab>
      </TabList>
      <div className={styles.row}>
        <Textarea
          className={styles.box}
          textarea={{ className: note ? styles.note : undefined }}
          value={draft}
          onChange={(_, data) => change(data.value)}
          onKeyDown={onKeyDown}
          resize="vertical"
          rows={2}
          aria-label={note ? 'Internal note (agents only)' : 'Reply to the customer'}
          aria-describedby={`reply-hint-${conversationId}`}
          placeholder={note ? 'A note only agents see' : 'Type a reply, or / for quick replies'}
        />
        <Button appearance="primary" icon={<SendRegular />} onClick={send} disabled={!draft.trim()} aria-label={note ? 'Add note' : 'Send'} />
      </div>
      <Text size={100} className={styles.hint} id={`reply-hint-${conversationId}`} aria-live="polite">
        {matches
          ? `${matches.length} quick ${matches.length === 1 ? 'reply' : 'replies'}: ↑/↓ to choose, Enter to insert, Esc to close.`
          : 'Enter to send, Shift+Enter for a new line, / for quick replies.'}
      </Text>
    </div>
  );
}

