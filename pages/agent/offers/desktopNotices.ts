/**
 * Desktop notifications (the Notification API) for what arrives while the tab is hidden: an incoming
 * chat, a customer's line. Permission is asked from a click (browsers ignore the ask otherwise); a
 * notification is closed when what it announced is answered, and a click on it brings the tab back.
 */
export function notificationsSupported(): boolean {
  return typeof Notification !== 'undefined';
}

/** Asks once, from a user gesture; later calls return what was answered. */
export async function askForNotifications(): Promise<NotificationPermission | 'unsupported'> {
  if (!notificationsSupported()) return 'unsupported';
  if (Notification.permission !== 'default') return Notification.permission;
  return Notification.requestPermission();
}

export class DesktopNotices {
  private readonly shown = new Map<string, Notification>();

  /** Shows it only when the tab is hidden and the agent allowed notifications; `tag` replaces an earlier one. */
  show(tag: string, title: string, body: string): void {
    if (!notificationsSupported() || Notification.permission !== 'granted' || !document.hidden) return;
    this.close(tag);
    const notice = new Notification(title, { body, tag });
    notice.onclick = () => {
      window.focus();
      notice.close();
    };
    this.shown.set(tag, notice);
  }

  close(tag: string): void {
    this.shown.get(tag)?.close();
    this.shown.delete(tag);
  }
}
