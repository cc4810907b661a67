import { groupBySpeaker, senderAvatars, senderNames, systemNotices } from './transcriptLook';
import { ConnectionStatus, type DirectLine, type StoreMiddleware, type WebChatGlobal } from './webChatTypes';
import { DIRECT_LINE_BASE } from './siteApi';

let loading: Promise<WebChatGlobal> | undefined;

/**
 * Web Chat's UMD bundle from this origin (assets/webchat-<version>.js, see webChatBundle.mts; no CDN). Called as the page
 * starts, so its 0.95 MB arrives while the customer fills the form.
 */
export function loadWebChat(): Promise<WebChatGlobal> {
  loading ??= new Promise<WebChatGlobal>((resolve, reject) => {
    if (window.WebChat) return resolve(window.WebChat);
    const script = document.createElement('script');
    script.src = __WEBCHAT_BUNDLE_URL__;
    script.async = true;
    script.onload = () => (window.WebChat ? resolve(window.WebChat) : reject(new Error('Web Chat did not load')));
    script.onerror = () => {
      script.remove();
      loading = undefined;
      reject(new Error('Web Chat could not be loaded'));
    };
    document.head.append(script);
  });
  return loading;
}

export interface ChatEvents {
  onConnected(): void;
  /** An endOfConversation arrived, or a message was refused with 409 because the chat had ended. */
  onEnded(): void;
  /** DLJS gave up (3 ExpiredToken, 4 FailedToConnect, 5 Ended); `wasOnline` tells a lost chat from one that never started. */
  onConnectionLost(status: number, wasOnline: boolean): void;
  onTokenRefreshed(token: string): void;
}

export interface WebChatOptions {
  token: string;
  /** Given when resuming: DLJS then asks for the conversation from the start (watermark ''). */
  resumeConversationId?: string;
  webSocket: boolean;
  locale: string;
  username?: string;
  element: HTMLElement;
  events: ChatEvents;
}

export interface MountedChat {
  /** Replaces the send box by nothing (the page shows its own "chat ended" panel). */
  hideSendBox(): void;
  dispose(): void;
}

const TOKEN_CHECK_IN_MS = 30_000;

export function mountWebChat(WebChat: WebChatGlobal, options: WebChatOptions): MountedChat {
  const { events } = options;
  const directLine: DirectLine = WebChat.createDirectLine({
    token: options.token,
    domain: `${location.origin}${DIRECT_LINE_BASE}`,
    webSocket: options.webSocket,
    ...(options.resumeConversationId !== undefined && { conversationId: options.resumeConversationId, watermark: '' }),
  });
  let online = false;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    events.onEnded();
  };
  const status = directLine.connectionStatus$.subscribe((value) => {
    if (value === ConnectionStatus.Online) {
      online = true;
      events.onConnected();
    } else if (value >= ConnectionStatus.ExpiredToken && !ended) {
      events.onConnectionLost(value, online);
    }
  });
  // DLJS refreshes the token every 15 minutes and keeps the new one on itself; a reload needs the newest.
  let token = options.token;
  const tokenCheck = window.setInterval(() => {
    if (directLine.token && directLine.token !== token) {
      token = directLine.token;
      events.onTokenRefreshed(token);
    }
  }, TOKEN_CHECK_IN_MS);

  const watchTheEnd: StoreMiddleware = () => (next) => (action) => {
    if (action.type === 'DIRECT_LINE/INCOMING_ACTIVITY' && action.payload?.activity?.type === 'endOfConversation') end();
    // A message sent after the end is refused with 409: the chat is over even if the notice was missed.
    if (action.type === 'DIRECT_LINE/POST_ACTIVITY_REJECTED' && action.payload?.status === 409) end();
    return next(action);
  };
  const store = WebChat.createStore({}, watchTheEnd);
  const props: Record<string, unknown> = {
    directLine,
    store,
    locale: options.locale,
    ...(options.username && { username: options.username }),
    // Web Chat sends no typing unless asked; the agent's page shows "… is typing" from these.
    sendTypingIndicator: true,
    styleOptions: STYLE_OPTIONS,
    activityMiddleware: systemNotices,
    avatarMiddleware: senderAvatars,
    activityStatusMiddleware: senderNames,
    groupActivitiesMiddleware: groupBySpeaker,
  };
  WebChat.renderWebChat(props, options.element);

  return {
    hideSendBox() {
      WebChat.renderWebChat({ ...props, styleOptions: { ...STYLE_OPTIONS, hideSendBox: true } }, options.element);
    },
    dispose() {
      window.clearInterval(tokenCheck);
      status.unsubscribe();
      directLine.end();
    },
  };
}

/** Web Chat's look, from the page's design tokens (chat.css keeps the same values as custom properties). */
const STYLE_OPTIONS = {
  accent: '#0f6cbd',
  primaryFont: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  backgroundColor: '#f5f5f5',
  bubbleBackground: '#ffffff',
  bubbleBorderColor: '#e0e0e0',
  bubbleBorderRadius: 12,
  bubbleBorderWidth: 1,
  bubbleFromUserBackground: '#0f6cbd',
  bubbleFromUserBorderRadius: 12,
  bubbleFromUserBorderWidth: 0,
  bubbleFromUserTextColor: '#ffffff',
  bubbleMaxWidth: 560,
  bubbleMinHeight: 36,
  // Initials turn the avatar column on; senderAvatars draws each sender's own.
  botAvatarInitials: '?',
  avatarSize: 36,
  showAvatarInGroup: 'sender',
  sendBoxBackground: '#ffffff',
  sendBoxBorderTop: 'solid 1px #e0e0e0',
  sendBoxHeight: 56,
  suggestedActionBorderRadius: 16,
  suggestedActionLayout: 'flow',
  timestampColor: '#616161',
  paddingRegular: 12,
  transcriptTerminatorBackgroundColor: '#616161',
};
