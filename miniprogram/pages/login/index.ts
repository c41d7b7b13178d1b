import { afterLoginUrl, loginDev, loginWithPassword, loginWithWechat, serverInfo, WELCOME_PAGE } from "../../services/auth";
import { apiBase, canChangeServer } from "../../services/config";
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { t } from "../../i18n/index";
import { errorMessage } from "../../services/errors";
import { PROFILE_LIMITS } from "../../generated/limits";
import { isSignedIn } from "../../services/session";

type Busy = "" | "wechat" | "dev" | "password";

const strings = () => ({
  heading: t("login.heading"),
  subtitle: t("login.subtitle"),
  wechat: t("login.wechat"),
  showPassword: t("login.showPassword"),
  hidePassword: t("login.hidePassword"),
  passwordForm: t("login.passwordForm"),
  username: t("login.username"),
  usernamePlaceholder: t("login.usernamePlaceholder"),
  password: t("login.password"),
  passwordPlaceholder: t("login.passwordPlaceholder"),
  signIn: t("login.signIn"),
  devForm: t("login.devForm"),
  devFooter: t("login.devFooter"),
  devName: t("login.devName"),
  devNamePlaceholder: t("login.devNamePlaceholder"),
});

Component({
  behaviors: [errorTips, localized(strings, "login.title")],
  data: {
    apiBase: "",
    /** The Server field: develop and trial versions only. */
    canChangeServer: false,
    /** The server's ENVIRONMENT; "development" offers the sign-in by name. */
    environment: "",
    serverError: "",
    busy: "" as Busy,
    showPassword: false,
    showServer: false,
    devName: "",
    devSignIn: "",
    serverText: "",
    username: "",
    password: "",
    limits: PROFILE_LIMITS,
    /** The page to open once signed in (Chats, or what a signed-out user opened, e.g. a group code). */
    next: "",
  },
  methods: {
    onLoad(query: Record<string, string | undefined> = {}) {
      // Where the user was going (a scanned group code), carried through sign-in.
      this.setData({ next: afterLoginUrl(query.next), devSignIn: t("login.devSignIn", { name: "…" }) });
      this.applyTitle();
      if (isSignedIn()) {
        wx.reLaunch({ url: this.data.next });
        return;
      }
      this.checkServer();
    },

    async checkServer() {
      this.setData({ apiBase: apiBase(), serverText: t("login.server", { address: apiBase() }), serverError: "", canChangeServer: canChangeServer() });
      try {
        const info = await serverInfo();
        this.setData({ environment: info.environment });
      } catch (e) {
        this.setData({ environment: "", serverError: t("login.unreachable", { address: apiBase(), reason: errorMessage(e) }) });
      }
    },

    onInput(e: WechatMiniprogram.Input) {
      const field = (e.currentTarget.dataset as { field?: string }).field;
      if (field === "username" || field === "password") this.setData({ [field]: e.detail.value });
      if (field === "devName") this.setData({ devName: e.detail.value, devSignIn: t("login.devSignIn", { name: e.detail.value || "…" }) });
    },

    async signIn(kind: Exclude<Busy, "">, action: () => Promise<unknown>) {
      if (this.data.busy) return;
      this.setData({ busy: kind, error: "" });
      try {
        const result = await action();
        this.setData({ busy: "" });
        const next = this.data.next || afterLoginUrl(undefined);
        // A WeChat account made just now has no name or photo of its own yet: ask, once, then go on.
        const created = (result as { created?: unknown } | undefined)?.created === true;
        wx.reLaunch({ url: created ? `${WELCOME_PAGE}?next=${encodeURIComponent(next)}` : next });
      } catch (e) {
        this.setData({ busy: "", error: errorMessage(e) });
      }
    },

    onWechatLogin() {
      this.signIn("wechat", loginWithWechat);
    },

    onDevLogin() {
      const name = this.data.devName.trim();
      if (!name) {
        this.showError(t("login.enterName"));
        return;
      }
      this.signIn("dev", () => loginDev(name));
    },

    onPasswordLogin() {
      const { username, password } = this.data;
      if (!username.trim() || !password) {
        this.showError(t("login.enterPassword"));
        return;
      }
      this.signIn("password", () => loginWithPassword(username, password));
    },

    onLocaleChanged() {
      this.setData({ devSignIn: t("login.devSignIn", { name: this.data.devName || "…" }), serverText: t("login.server", { address: this.data.apiBase }) });
    },

    onTogglePassword() {
      this.setData({ showPassword: !this.data.showPassword });
    },

    onOpenServer() {
      this.setData({ showServer: true });
    },

    onServerClose() {
      this.setData({ showServer: false });
    },

    onServerChange() {
      this.setData({ showServer: false });
      this.checkServer();
    },
  },
});
