// Telling the user about new messages while the tab is not looked at: the unread total in the
// tab's title ("(3) Qun"), and a browser notification per new message while the tab is hidden
// (asked for on a click, as browsers require; never for muted chats or our own messages).
import type { ConversationSummary } from "../../../schema/protocol";
import { t } from "./i18n/index";

export function unreadTotal(conversations: ConversationSummary[]): number {
  return conversations.reduce((n, c) => n + (c.doNotDisturb ? 0 : c.unread), 0);
}

export function titleFor(unread: number): string {
  return unread > 0 ? t("web.titleUnread", { n: unread > 99 ? "99+" : unread }) : t("web.title");
}

export function notificationsAllowed(): boolean {
  return typeof Notification !== "undefined" && Notification.permission === "granted";
}

export function canAskForNotifications(): boolean {
  return typeof Notification !== "undefined" && Notification.permission === "default";
}

/** Must run inside a click handler. */
export async function askForNotifications(): Promise<boolean> {
  if (typeof Notification === "undefined") return false;
  return (await Notification.requestPermission()) === "granted";
}

/**
 * Compares two lists of summaries and shows one notification per chat that moved on with a
 * message from someone else, while the page is hidden. Clicking it focuses the tab on that chat.
 */
export function notifyNewMessages(previous: ConversationSummary[], next: ConversationSummary[], me: string | null, open: (id: string) => void, preview: (c: ConversationSummary) => string): void {
  if (!notificationsAllowed() || document.visibilityState === "visible") return;
  const before = new Map(previous.map((c) => [c.id, c.lastSeq]));
  for (const c of next) {
    const was = before.get(c.id);
    if (was === undefined || c.lastSeq <= was || c.doNotDisturb || !c.lastMessage || c.lastMessage.senderId === me || c.lastMessage.type === "system") continue;
    const n = new Notification(c.kind === "direct" ? (c.peer?.nickname ?? c.name) : c.name, { body: preview(c), tag: c.id, icon: "/favicon.svg" });
    n.onclick = () => {
      window.focus();
      open(c.id);
      n.close();
    };
  }
}
