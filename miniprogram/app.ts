import { LOGIN_PAGE } from "./services/auth";
import { isSignedIn, session } from "./services/session";

App({
  onLaunch() {
    // When the server refuses the session (revoked, or the refresh token expired), go to the login page.
    session.subscribe((state, previous) => {
      if (previous.tokens && !state.tokens && state.endedBy === "server") {
        wx.reLaunch({ url: LOGIN_PAGE });
        wx.showToast({ title: "Please sign in again", icon: "none" });
      }
    });
    if (!isSignedIn()) wx.reLaunch({ url: LOGIN_PAGE });
  },
});
