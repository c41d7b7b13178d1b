// The tab bar: its labels in the user's language and the Chats tab's badge. WeChat applies
// wx.setTabBarItem and wx.setTabBarBadge only while a tab page is on top (they fail during
// onLaunch and from a chat page), so the app sets the badge when the total changes, and every
// tab page sets labels and badge again in onShow (and Me after a language switch).
import type { ConversationSummary } from "../../schema/protocol";
import { type MessageKey, t } from "../i18n/index";
import { chats } from "./chats";
import { applyMomentsBadge } from "./moments";

/** The tabs in app.json's order. */
const TAB_LABELS: readonly MessageKey[] = ["tab.chats", "tab.contacts", "tab.discover", "tab.me"];

/** Unread messages of conversations that are not muted, as WeChat counts them. */
export function unreadTotal(conversations: readonly ConversationSummary[]): number {
  return conversations.reduce((sum, c) => sum + (c.doNotDisturb ? 0 : c.unread), 0);
}

/** Shows the current total on the Chats tab (or clears it); a refusal off tab pages is expected. */
export function applyTabBadge(): void {
  if (typeof wx.setTabBarBadge !== "function") return;
  const total = unreadTotal(chats.store.get().conversations);
  if (total > 0) wx.setTabBarBadge({ index: 0, text: total > 99 ? "99+" : String(total), fail: () => undefined });
  else wx.removeTabBarBadge({ index: 0, fail: () => undefined });
}

/** The tab labels in the current language, and the badge: what every tab page does in onShow. */
export function applyTabBar(): void {
  if (typeof wx.setTabBarItem === "function") {
    TAB_LABELS.forEach((key, index) => wx.setTabBarItem({ index, text: t(key), fail: () => undefined }));
  }
  applyTabBadge();
  applyMomentsBadge();
}
