import { initLocale, t } from "./i18n/index";
import { loginUrl } from "./services/auth";
import { applyTabBadge, unreadTotal } from "./services/badge";
import { chats } from "./services/chats";
import { momentsNews } from "./services/moments";
import { watchPrivacyAuthorization } from "./services/privacy";
import { isSignedIn, session } from "./services/session";

App({
  onLaunch(options) {
    initLocale();
    watchPrivacyAuthorization();
    // When the server refuses the session (revoked, or the refresh token expired), go to the login page.
    session.subscribe((state, previous) => {
      if (previous.tokens && !state.tokens && state.endedBy === "server") {
        wx.reLaunch({ url: loginUrl() });
        wx.showToast({ title: t("common.signInAgain"), icon: "none" });
      }
    });
    let lastTotal = -1;
    chats.store.subscribe(({ conversations }) => {
      const total = unreadTotal(conversations);
      if (total !== lastTotal) {
        lastTotal = total;
        applyTabBadge();
      }
    });
    // Moments news (a friend posted, a like or a comment): the Discover badge asks the server again.
    chats.socket.onFrame((frame) => {
      if (frame.type === "moments") momentsNews();
    });
    // The phone's network came back: reconnect now and catch up, rather than after the backoff.
    wx.onNetworkStatusChange?.((res) => {
      if (isSignedIn()) chats.networkChanged(res.isConnected);
    });
    // Signed out: log in first, then open what the user came for (a scanned group code, a shared page).
    if (!isSignedIn()) wx.reLaunch({ url: loginUrl(options?.path ? { path: options.path, query: options.query } : undefined) });
    else chats.start();
  },

  onShow() {
    // Back in the foreground: the socket may have died in the background while its status still
    // says online; probe it now and reconnect at once if it does not answer, then catch up.
    if (!isSignedIn()) return;
    chats.start();
    chats.wake();
  },
});
