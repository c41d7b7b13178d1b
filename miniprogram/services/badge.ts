// The Chats tab's badge. WeChat applies wx.setTabBarBadge only while a tab page is on top (it
// fails during onLaunch and from a chat page), so a badge set from the store alone goes stale
// the moment a chat is read: the app sets it when the total changes, and every tab page sets it
// again in onShow.
import type { ConversationSummary } from "../../schema/protocol";
import { chats } from "./chats";

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
