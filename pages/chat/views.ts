import { el } from './dom';
import { initials } from './activity';

/**
 * The page's states other than the form and the chat: loading, not available, unreachable, could not
 * resume. Each is a card with a heading, a line of text and the actions that make sense there.
 */
export interface ViewAction {
  label: string;
  onClick(): void;
  primary?: boolean;
}

export function statusView(options: { title: string; text?: string; busy?: boolean; tone?: 'neutral' | 'error'; actions?: ViewAction[] }): HTMLElement {
  const buttons = (options.actions ?? []).map((a) => {
    const button = el('button', { type: 'button', class: a.primary ? 'button primary' : 'button' }, a.label);
    button.addEventListener('click', a.onClick);
    return button;
  });
  return el('section', { class: `card status-card status-card--${options.tone ?? 'neutral'}`, 'aria-labelledby': 'status-title', 'aria-busy': options.busy ? 'true' : undefined },
    options.busy ? el('div', { class: 'spinner', role: 'progressbar', 'aria-label': options.title }) : null,
    el('h1', { id: 'status-title', class: 'card-title', tabindex: '-1' }, options.title),
    options.text ? el('p', { class: 'lede' }, options.text) : null,
    buttons.length > 0 ? el('div', { class: 'actions' }, ...buttons) : null,
  );
}

export interface ChatLayout {
  element: HTMLElement;
  /** Where Web Chat renders. */
  transcript: HTMLElement;
  setState(text: string): void;
  /** The send box gives way to "This chat has ended" and a button for a new one. */
  showEnded(text: string, onNewChat: () => void, extra?: ViewAction): void;
}

export function chatLayout(title: string): ChatLayout {
  const state = el('p', { class: 'chat-header__state', 'aria-live': 'polite' }, 'Connecting…');
  const transcript = el('div', { class: 'chat-webchat' });
  const ended = el('div', { class: 'chat-ended', role: 'region', 'aria-label': 'Chat ended', hidden: true });
  const element = el('div', { class: 'chat-shell' },
    el('header', { class: 'chat-header' },
      el('div', { class: 'chat-header__avatar', 'aria-hidden': 'true' }, initials(title)),
      el('div', { class: 'chat-header__text' }, el('h1', { class: 'chat-header__title' }, title), state)),
    transcript,
    ended,
  );
  return {
    element,
    transcript,
    setState(text) {
      state.textContent = text;
    },
    showEnded(text, onNewChat, extra) {
      const message = el('p', { class: 'chat-ended__text', id: 'chat-ended-text' }, text);
      const again = el('button', { type: 'button', class: 'button primary' }, 'Start a new chat');
      again.addEventListener('click', onNewChat);
      const other = extra ? el('button', { type: 'button', class: 'button' }, extra.label) : null;
      other?.addEventListener('click', extra!.onClick);
      ended.replaceChildren(message, el('div', { class: 'actions' }, again, other));
      ended.setAttribute('aria-describedby', message.id);
      ended.hidden = false;
      element.classList.add('chat-shell--ended');
      again.focus();
    },
  };
}
