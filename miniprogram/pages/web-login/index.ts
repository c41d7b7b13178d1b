// Signing in to Qun on the web: a web-login QR code scanned with the "+" menu's Scan (or opened
// from WeChat's own scanner as `q`) lands here. The page tells the server it was scanned (the
// browser then shows this user's name), shows the computer's label, and signs it in or turns it
// down, as WeChat's "Log in to WeChat for Windows/Web?" page does.
import { ensureSignedIn } from "../../services/auth";
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { t } from "../../i18n/index";
import { cancelWebLogin, confirmWebLogin, scanWebLogin, webLoginTicketFrom } from "../../services/devices";
import { errorMessage, isApiError } from "../../services/errors";

const strings = () => ({
  title: t("webLogin.question"),
  hint: t("webLogin.hint"),
  signIn: t("webLogin.signIn"),
  cancel: t("webLogin.cancel"),
  loading: t("webLogin.loading"),
  expiredTitle: t("webLogin.expiredTitle"),
  back: t("common.back"),
});

type State = "loading" | "ready" | "confirming" | "expired" | "failed";

Component({
  behaviors: [errorTips, localized(strings, "webLogin.title")],
  data: {
    ticket: "",
    device: "",
    state: "loading" as State,
    /** Why the code cannot be used (expired, used, another phone's). */
    why: "",
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.applyTitle();
      if (!ensureSignedIn({ path: "pages/web-login/index", query })) return;
      const ticket = webLoginTicketFrom(query.q) ?? (query.ticket && /^wt_[0-9a-z]{32}$/.test(query.ticket) ? query.ticket : null);
      if (!ticket) {
        this.setData({ state: "expired", why: t("webLogin.notWebCode") });
        return;
      }
      this.setData({ ticket });
      void this.scan(ticket);
    },

    async scan(ticket: string) {
      try {
        const { device } = await scanWebLogin(ticket);
        this.setData({ device: device || t("webLogin.unknownDevice"), state: "ready" });
      } catch (e) {
        this.setData({ state: "expired", why: isApiError(e) && (e.code === "expired" || e.code === "not_found") ? t("webLogin.expired") : errorMessage(e) });
      }
    },

    async onConfirm() {
      if (this.data.state !== "ready") return;
      this.setData({ state: "confirming" });
      try {
        await confirmWebLogin(this.data.ticket);
        wx.showToast({ title: t("webLogin.done"), icon: "success" });
        wx.navigateBack({ fail: () => wx.switchTab({ url: "/pages/chats/index" }) });
      } catch (e) {
        if (isApiError(e) && e.code === "expired") this.setData({ state: "expired", why: t("webLogin.expired") });
        else {
          this.setData({ state: "ready" });
          this.showError(e);
        }
      }
    },

    /** Turns the sign-in down (the browser shows it was cancelled) and goes back. */
    onCancel() {
      this.turnDown();
      this.goBack();
    },

    /** Leaving with the question unanswered (the back button, a swipe) turns it down too, so the browser does not wait out the 2 minutes. */
    onUnload() {
      this.turnDown();
    },

    turnDown() {
      const { ticket, state } = this.data;
      if (!ticket || state !== "ready") return;
      this.setData({ state: "failed" });
      cancelWebLogin(ticket).catch(() => undefined);
    },

    goBack() {
      wx.navigateBack({ fail: () => wx.switchTab({ url: "/pages/chats/index" }) });
    },
  },
});
