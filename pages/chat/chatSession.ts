/**
 * The chat this tab is in, per site, in sessionStorage: a reload resumes it (DLJS reconnects with the
 * conversation id and the latest token), a new tab starts its own. Cleared when the chat ends.
 */
export interface SavedChat {
  site: string;
  conversationId: string;
  token: string;
}

const key = (site: string) => `switchboard.chat.${site}`;

export function loadChat(site: string): SavedChat | undefined {
  try {
    const saved = JSON.parse(sessionStorage.getItem(key(site)) ?? 'null') as Partial<SavedChat> | null;
    if (saved && saved.site === site && typeof saved.conversationId === 'string' && typeof saved.token === 'string') return saved as SavedChat;
  } catch {
    // storage off or a value of another shape: start afresh
  }
  return undefined;
}

export function saveChat(chat: SavedChat): void {
  try {
    sessionStorage.setItem(key(chat.site), JSON.stringify(chat));
  } catch {
    // storage off (private mode, quota): the chat works, a reload starts a new one
  }
}

export function clearChat(site: string): void {
  try {
    sessionStorage.removeItem(key(site));
  } catch {
    // nothing to clear
  }
}
