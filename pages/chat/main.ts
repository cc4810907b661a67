import './chat.css';
import { clearChat, loadChat, saveChat, type SavedChat } from './chatSession';
import { prechatForm } from './prechatForm';
import { tokenRequest } from './prechatRules';
import { createToken, getSite, siteFromPath, type Site } from './siteApi';
import { chatLayout, statusView } from './views';
import { loadWebChat, mountWebChat } from './webChat';
import { ConnectionStatus } from './webChatTypes';

/**
 * The customer's chat page, `/chat` (the first site) or `/chat/{site}`: the site's pre-chat form, then
 * Web Chat full screen over Switchboard's Direct Line; a reload resumes the chat this tab is in.
 */
const app = document.getElementById('app') as HTMLElement;
const locale = navigator.language || 'en-US';

function show(view: HTMLElement, options: { busy?: boolean; focus?: boolean } = {}): void {
  app.replaceChildren(view);
  app.setAttribute('aria-busy', String(options.busy ?? false));
  if (options.focus) view.querySelector<HTMLElement>('h1[tabindex]')?.focus();
}

async function start(): Promise<void> {
  show(statusView({ title: 'Loading…', busy: true }), { busy: true });
  // The bundle is large: it downloads while the site is read and the form filled in.
  loadWebChat().catch(() => undefined);
  const result = await getSite(siteFromPath(location.pathname));
  if (result.kind === 'unreachable') return showUnreachable();
  if (result.kind === 'notFound') {
    document.title = 'Chat not available';
    return show(statusView({ title: 'This chat is not available', text: 'Check the link, or contact us another way.' }), { focus: true });
  }
  const { site } = result;
  document.title = site.title;
  const saved = loadChat(site.name);
  if (saved) return openChat(site, saved, true);
  // Without questions there is no form: the chat starts at once (a problem then shows as a page of its own).
  if (site.prechat.length === 0) return void (await requestChat(site, new Map()));
  showForm(site);
}

function showUnreachable(): void {
  show(statusView({
    title: 'We cannot reach the chat service',
    text: 'Check your connection and try again.',
    tone: 'error',
    actions: [{ label: 'Try again', primary: true, onClick: () => void start() }],
  }), { focus: true });
}

function showForm(site: Site): void {
  const form = prechatForm({
    title: site.title,
    fields: site.prechat,
    onSubmit: async (values) => {
      form.setBusy(true);
      const problem = await requestChat(site, values);
      form.setBusy(false);
      if (problem?.kind === 'invalid') form.showServerProblems(problem.message);
      else if (problem?.kind === 'text') form.showFormError(problem.text);
    },
  });
  show(form.element);
  form.focusFirst();
}

type RequestProblem = { kind: 'invalid'; message: string } | { kind: 'text'; text: string };

/** Asks for a chat with these answers and opens it; what went wrong otherwise, for the form to show. */
async function requestChat(site: Site, values: ReadonlyMap<string, string>): Promise<RequestProblem | undefined> {
  const result = await createToken(site.name, tokenRequest(site.prechat, values, locale));
  switch (result.kind) {
    case 'ok': {
      const chat = { site: site.name, conversationId: result.chat.conversationId, token: result.chat.token };
      saveChat(chat);
      await openChat(site, chat, false, values.get('name')?.trim());
      return undefined;
    }
    case 'invalid':
      if (site.prechat.length === 0) return void showProblem('We could not start the chat', result.message);
      return { kind: 'invalid', message: result.message };
    case 'rateLimited': {
      const text = `Too many chats from your network: try again in ${result.retryAfterSeconds} s.`;
      if (site.prechat.length === 0) return void showProblem('Please wait a moment', text);
      return { kind: 'text', text };
    }
    case 'notFound':
      return void show(statusView({ title: 'This chat is not available', text: 'Check the link, or contact us another way.' }), { focus: true });
    case 'unreachable':
      if (site.prechat.length === 0) return void showUnreachable();
      return { kind: 'text', text: 'We cannot reach the chat service. Check your connection and try again.' };
  }
}

function showProblem(title: string, text: string): void {
  show(statusView({ title, text, tone: 'error', actions: [{ label: 'Try again', primary: true, onClick: () => void start() }] }), { focus: true });
}

async function openChat(site: Site, chat: SavedChat, resuming: boolean, username?: string): Promise<void> {
  show(statusView({ title: resuming ? 'Reconnecting to your chat…' : 'Connecting…', busy: true }), { busy: true });
  let WebChat;
  try {
    WebChat = await loadWebChat();
  } catch {
    return showUnreachable();
  }
  const layout = chatLayout(site.title);
  show(layout.element, { busy: true });
  const newChat = () => {
    mounted.dispose();
    clearChat(site.name);
    void start();
  };
  const mounted = mountWebChat(WebChat, {
    token: chat.token,
    ...(resuming && { resumeConversationId: chat.conversationId }),
    webSocket: site.webSocket,
    locale,
    ...(username && { username }),
    element: layout.transcript,
    events: {
      onConnected() {
        layout.setState('Online');
        app.setAttribute('aria-busy', 'false');
        (layout.transcript.querySelector('[data-id="webchat-sendbox-input"]') as HTMLElement | null)?.focus();
      },
      onEnded() {
        clearChat(site.name);
        mounted.hideSendBox();
        layout.setState('Chat ended');
        layout.showEnded('This chat has ended.', newChat);
      },
      onConnectionLost(status, wasOnline) {
        app.setAttribute('aria-busy', 'false');
        if (!wasOnline && resuming) {
          clearChat(site.name);
          return show(statusView({
            title: 'Your previous chat cannot be resumed',
            text: 'It has ended or expired. You can start a new one.',
            actions: [{ label: 'Start a new chat', primary: true, onClick: newChat }],
          }), { focus: true });
        }
        mounted.hideSendBox();
        if (status === ConnectionStatus.FailedToConnect) {
          layout.setState('Disconnected');
          // The chat may live on: reconnecting resumes it with the saved token.
          return layout.showEnded('The connection to the chat was lost.', newChat, { label: 'Reconnect', onClick: () => { mounted.dispose(); void start(); } });
        }
        clearChat(site.name);
        layout.setState('Chat ended');
        layout.showEnded(status === ConnectionStatus.ExpiredToken ? 'This chat has expired.' : 'This chat has ended.', newChat);
      },
      onTokenRefreshed(token) {
        saveChat({ ...chat, token });
      },
    },
  });
}

void start();
