import { applyTabBadge } from "../../services/badge";
import type { OwnProfile } from "../../../schema/api";
import { deleteAccount, ensureSignedIn, LOGIN_PAGE, loadProfile, logout, updateProfile } from "../../services/auth";
import { apiBase, canChangeServer } from "../../services/config";
import { errorTips } from "../../behaviors/error-tips";
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

const FIELDS: Record<Field, Omit<Editing, "field">> = {
  nickname: { title: "Set Name", hint: "A name your friends will recognise.", maxlength: PROFILE_LIMITS.nicknameMax },
  username: { title: "Set Qun ID", hint: "Letters, digits, _ and -, starting with a letter. It can be set once.", maxlength: PROFILE_LIMITS.usernameMax },
  status: { title: "Set Status", hint: "What you are up to right now.", maxlength: PROFILE_LIMITS.statusMax },
  signature: { title: "What's Up", hint: "A line shown on your profile.", maxlength: PROFILE_LIMITS.signatureMax },
};

/** What deleting an account does, said before the user confirms (docs/security.md#deleting-an-account). */
export const DELETE_ACCOUNT_WARNING =
  "Your profile, friends, tags, requests, uploaded pictures and files are deleted and you leave every group. Groups you own pass to an admin or member, or are dissolved if you are alone. Messages you sent stay with the people who received them, shown as from a deleted account. This cannot be undone.";

/** wx.showModal as a promise: what was typed (editable modals) when confirmed, null when cancelled. */
function ask(opts: WechatMiniprogram.ShowModalOption): Promise<string | null> {
  return new Promise((resolve) => {
    wx.showModal({ ...opts, success: (res) => resolve(res.confirm ? (res.content ?? "") : null), fail: () => resolve(null) });
  });
}

Component({
  behaviors: [errorTips, noticeSettings],
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
        wx.showToast({ title: "Saved", icon: "success" });
      } catch (err) {
        this.showError(err);
      } finally {
        this.setData({ saving: false });
      }
    },

    onShow() {
      this.setData({ apiBase: apiBase(), canChangeServer: canChangeServer() });
      if (!ensureSignedIn()) return;
      applyTabBadge();
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
      this.setData({ editing: { field, ...FIELDS[field] }, draft: user[field] ?? "" });
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
        wx.showToast({ title: "Saved", icon: "success" });
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
        title: "Log Out",
        content: "Log out of Qun on this device?",
        confirmText: "Log Out",
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
      const go = await ask({ title: "Delete Account", content: DELETE_ACCOUNT_WARNING, confirmText: "Delete", confirmColor: "#FA5151" });
      if (go === null) return;
      let body: { password: string } | { confirm: "DELETE" } = { confirm: "DELETE" };
      if (user.hasPassword) {
        const password = await ask({ title: "Enter Password", content: "", editable: true, placeholderText: "Your Qun password", confirmText: "Delete", confirmColor: "#FA5151" });
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

    onOpenServer() {
      this.setData({ showServer: true });
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
