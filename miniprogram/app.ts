import { initLocale } from "./i18n/index";
import { LOGIN_PAGE } from "./services/auth";
import { chats } from "./services/chats";
import { watchPrivacyAuthorization } from "./services/privacy";
import { isSignedIn, session } from "./services/session";

/** The Chats tab's badge: unread messages of conversations that are not muted, as WeChat counts them. */
function updateTabBadge(total: number): void {
  if (typeof wx.setTabBarBadge !== "function") return;
  if (total > 0) wx.setTabBarBadge({ index: 0, text: total > 99 ? "99+" : String(total), fail: () => undefined });
  else wx.removeTabBarBadge({ index: 0, fail: () => undefined });
}

App({
  onLaunch() {
    initLocale();
    watchPrivacyAuthorization();
    // When the server refuses the session (revoked, or the refresh token expired), go to the login page.
    session.subscribe((state, previous) => {
      if (previous.tokens && !state.tokens && state.endedBy === "server") {
        wx.reLaunch({ url: LOGIN_PAGE });
        wx.showToast({ title: "Please sign in again", icon: "none" });
      }
    });
    let lastTotal = -1;
    chats.store.subscribe(({ conversations }) => {
      const total = conversations.reduce((sum, c) => sum + (c.doNotDisturb ? 0 : c.unread), 0);
      if (total !== lastTotal) updateTabBadge((lastTotal = total));
    });
    if (!isSignedIn()) wx.reLaunch({ url: LOGIN_PAGE });
    else chats.start();
  },

  onShow() {
    // Back in the foreground: the socket may have died in the background; start() reconnects and catches up.
    if (isSignedIn()) chats.start();
  },
});
