import { applyTabBar } from "../../services/badge";
import type { OwnProfile } from "../../../schema/api";
import { deleteAccount, ensureSignedIn, LOGIN_PAGE, loadProfile, logout, updateProfile } from "../../services/auth";
import { apiBase, canChangeServer } from "../../services/config";
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { type Locale, locale, type MessageKey, setLocale, t } from "../../i18n/index";
import { errorMessage } from "../../services/errors";
import { initialOf } from "../../services/format";
import { PROFILE_LIMITS } from "../../generated/limits";
import { mediaUrl, mediaUrls, uploadMedia } from "../../services/media";
import { PRIVACY_PAGE } from "../../services/privacy";
import { session } from "../../services/session";
import { unwatchAll, watch } from "../../services/store";
import { noticeSettings } from "./notices";

type Field = "nickname" | "username" | "status" | "signature";

interface Editing {
  field: Field;
  title: string;
  hint: string;
  maxlength: number;
}

const FIELDS: Record<Field, { title: MessageKey; hint: MessageKey; maxlength: number }> = {
  nickname: { title: "me.setName", hint: "me.setNameHint", maxlength: PROFILE_LIMITS.nicknameMax },
  username: { title: "me.setQunId", hint: "me.setQunIdHint", maxlength: PROFILE_LIMITS.usernameMax },
  status: { title: "me.setStatus", hint: "me.setStatusHint", maxlength: PROFILE_LIMITS.statusMax },
  signature: { title: "me.setSignature", hint: "me.setSignatureHint", maxlength: PROFILE_LIMITS.signatureMax },
};

/** The language switch's choices, each named in its own language as WeChat's own switch does. */
const LANGUAGES: ReadonlyArray<{ locale: Locale; name: string }> = [
  { locale: "zh_CN", name: "中文" },
  { locale: "en", name: "English" },
];

const strings = () => ({
  qunId: t("me.qunIdLabel"),
  qunIdNotSet: t("me.qunIdNotSet"),
  qunIdPrefix: t("me.qunId", { id: "" }),
  addStatus: t("me.addStatus"),
  chooseAvatar: t("me.chooseAvatar"),
  profile: t("me.profile"),
  name: t("me.name"),
  status: t("me.status"),
  signature: t("me.signature"),
  notSet: t("common.notSet"),
  settings: t("me.settings"),
  language: t("me.language"),
  languageName: LANGUAGES.find((l) => l.locale === locale())?.name ?? "",
  allowStrangers: t("me.allowStrangers"),
  server: t("me.server"),
  privacy: t("me.privacy"),
  devices: t("me.devices"),
  logout: t("me.logout"),
  deleteAccount: t("me.deleteAccount"),
  cancel: t("common.cancel"),
  save: t("common.save"),
  noticesTitle: t("notices.title"),
  noticesEnabled: t("notices.enabled"),
  noticesPreview: t("notices.preview"),
  noticesDnd: t("notices.dnd"),
  noticesFrom: t("notices.from"),
  noticesTo: t("notices.to"),
  noticesBanked: t("notices.banked"),
  noticesBankedHint: t("notices.bankedHint"),
  noticesUnreachable: t("notices.unreachable"),
  noticesUnconfigured: t("notices.unconfigured"),
});

/** wx.showModal as a promise: what was typed (editable modals) when confirmed, null when cancelled. */
function ask(opts: WechatMiniprogram.ShowModalOption): Promise<string | null> {
  return new Promise((resolve) => {
    wx.showModal({ ...opts, success: (res) => resolve(res.confirm ? (res.content ?? "") : null), fail: () => resolve(null) });
  });
}

Component({
  behaviors: [errorTips, noticeSettings, localized(strings, "me.title")],
  data: {
    user: null as OwnProfile | null,
    initial: "?",
    avatar: "",
    apiBase: "",
    /** The Server field: develop and trial versions only. */
    canChangeServer: false,
    editing: null as Editing | null,
    draft: "",
    saving: false,
    showServer: false,
  },
  methods: {
    onLoad() {
      watch(this, session, ({ user }) => {
        this.setData({ user, initial: initialOf(user?.nickname), avatar: mediaUrl(user?.avatarMediaId) });
        // The avatar is shown by a signed URL (an <image> cannot send the token).
        if (user?.avatarMediaId && !mediaUrl(user.avatarMediaId)) {
          mediaUrls([user.avatarMediaId]).then(
            (got) => this.setData({ avatar: got[user.avatarMediaId!] ?? "" }),
            () => undefined,
          );
        }
      });
    },

    /** WeChat's avatar picker (button open-type="chooseAvatar") hands a local file: upload it and make it the avatar. */
    async onChooseAvatar(e: WechatMiniprogram.CustomEvent<{ avatarUrl: string }>) {
      const path = e.detail.avatarUrl;
      if (!path) return;
      this.setData({ saving: true, error: "" });
      try {
        const mediaId = await uploadMedia(path, "image");
        await updateProfile({ avatarMediaId: mediaId });
        wx.showToast({ title: t("common.saved"), icon: "success" });
      } catch (err) {
        this.showError(err);
      } finally {
        this.setData({ saving: false });
      }
    },

    onShow() {
      this.setData({ apiBase: apiBase(), canChangeServer: canChangeServer() });
      if (!ensureSignedIn()) return;
      this.applyTitle();
      applyTabBar();
      loadProfile().catch((e: unknown) => this.showError(e));
      this.loadNotices();
    },

    onUnload() {
      unwatchAll(this);
    },

    onEdit(e: WechatMiniprogram.BaseEvent) {
      const field = (e.currentTarget.dataset as { field?: Field }).field;
      const user = this.data.user;
      if (!field || !FIELDS[field] || !user) return;
      if (field === "username" && user.username) return; // a Qun ID is set once
      const { title, hint, maxlength } = FIELDS[field];
      this.setData({ editing: { field, title: t(title), hint: t(hint), maxlength }, draft: user[field] ?? "" });
    },

    onDraftInput(e: WechatMiniprogram.Input) {
      this.setData({ draft: e.detail.value });
    },

    onEditClose() {
      if (!this.data.saving) this.setData({ editing: null, draft: "" });
    },

    async onEditSave() {
      const { editing, user, saving } = this.data;
      if (!editing || !user || saving) return;
      const value = this.data.draft.trim();
      if (value === (user[editing.field] ?? "")) {
        this.setData({ editing: null, draft: "" });
        return;
      }
      this.setData({ saving: true, error: "" });
      try {
        await updateProfile({ [editing.field]: value });
        this.setData({ saving: false, editing: null, draft: "" });
        wx.showToast({ title: t("common.saved"), icon: "success" });
      } catch (e) {
        this.setData({ saving: false, error: errorMessage(e) });
      }
    },

    /** Whether people who are not friends may start a direct chat (docs/contacts.md). */
    async onAllowStrangers(e: WechatMiniprogram.SwitchChange) {
      try {
        await updateProfile({ allowStrangers: e.detail.value });
      } catch (err) {
        this.showError(err);
      }
    },

    onLogout() {
      wx.showModal({
        title: t("me.logout"),
        content: t("me.logoutConfirm"),
        cancelText: t("common.cancel"),
        confirmText: t("me.logout"),
        confirmColor: "#FA5151",
        success: async (res) => {
          if (!res.confirm) return;
          await logout();
          wx.reLaunch({ url: LOGIN_PAGE });
        },
      });
    },

    /**
     * Deleting the account: a warning to confirm, then the password for password accounts (an
     * editable modal) or the confirmation alone for WeChat accounts, which WeChat's own flow uses.
     */
    async onDeleteAccount() {
      const user = this.data.user;
      if (!user || this.data.saving) return;
      const go = await ask({ title: t("me.deleteAccount"), content: t("me.deleteWarning"), cancelText: t("common.cancel"), confirmText: t("me.deleteConfirm"), confirmColor: "#FA5151" });
      if (go === null) return;
      let body: { password: string } | { confirm: "DELETE" } = { confirm: "DELETE" };
      if (user.hasPassword) {
        const password = await ask({
          title: t("me.enterPassword"),
          content: "",
          editable: true,
          placeholderText: t("me.passwordPlaceholder"),
          cancelText: t("common.cancel"),
          confirmText: t("me.deleteConfirm"),
          confirmColor: "#FA5151",
        });
        if (password === null || password === "") return;
        body = { password };
      }
      this.setData({ saving: true, error: "" });
      try {
        await deleteAccount(body);
        this.setData({ saving: false });
        wx.reLaunch({ url: LOGIN_PAGE });
      } catch (e) {
        this.setData({ saving: false });
        this.showError(e);
      }
    },

    /** 中文 / English: kept across launches; every open page redraws, and this tab page re-labels the tab bar. */
    onLanguage() {
      wx.showActionSheet({
        itemList: LANGUAGES.map((l) => l.name),
        success: (res) => {
          const choice = LANGUAGES[res.tapIndex];
          if (!choice || choice.locale === locale()) return;
          setLocale(choice.locale);
          this.applyTitle();
          applyTabBar();
        },
      });
    },

    onOpenServer() {
      this.setData({ showServer: true });
    },

    onOpenDevices() {
      wx.navigateTo({ url: "/pages/devices/index" });
    },

    onOpenPrivacy() {
      wx.navigateTo({ url: PRIVACY_PAGE });
    },

    onServerClose() {
      this.setData({ showServer: false });
    },

    onServerChange(e: WechatMiniprogram.CustomEvent<{ apiBase: string }>) {
      this.setData({ showServer: false, apiBase: e.detail.apiBase });
    },
  },
});
