// size: one page with many small admin actions, each a few lines of the same shape; splitting it would scatter them.
// Group info: the members grid (adding friends with "+"), name, avatar, announcement, the Group
// QR code (save to album, share), your alias in the group, your own flags (pin, mute
// notifications), the owner's and admins' actions (settings, mute all, join requests), and
// leaving or dissolving.
import { ensurePermission } from "../../services/permissions";
import type { CreatedInvite, GroupInfo, GroupMember, JoinRequestView } from "../../../schema/groups";
import { ensureSignedIn } from "../../services/auth";
import { chats } from "../../services/chats";
import { apiBase } from "../../services/config";
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { type MessageKey, t } from "../../i18n/index";
import { strings } from "./strings";
import { initialOf } from "../../services/format";
import {
  addMembers,
  groupInvite,
  decideJoinRequest,
  dissolveGroup,
  groupInfo,
  joinRequests,
  leaveGroup,
  muteMember,
  removeMember,
  setAdmin,
  setGroupNickname,
  transferOwnership,
  updateGroup,
} from "../../services/groups";
import { GROUP_LIMITS, MESSAGE_LIMITS } from "../../generated/limits";
import { loadAvatars, mediaUrl, uploadMedia } from "../../services/media";
import { session } from "../../services/session";

interface Tile {
  userId: string;
  name: string;
  initial: string;
  /** Signed URL of the member's avatar once granted; the initial shows until then. */
  avatar: string;
  role: string;
  muted: boolean;
}

/** The settings switches the owner and admins see, by GroupInfo field. */
type SettingField = "inviteConfirmation" | "membersCanInvite" | "newMembersSeeHistory" | "muteAll";
const SETTINGS: SettingField[] = ["inviteConfirmation", "membersCanInvite", "newMembersSeeHistory", "muteAll"];

const RANK: Record<string, number> = { owner: 3, admin: 2, member: 1 };
/** How long "Mute" silences a member (WeChat offers presets; one hour is the common one). */
const MUTE_SECONDS = 3600;

interface Editing {
  field: "name" | "announcement";
  title: MessageKey;
  maxlength: number;
}

const GRID_MAX = 19;

function tileOf(m: GroupMember): Tile {
  const name = m.nickname || m.profileNickname;
  return { userId: m.userId, name, initial: initialOf(name), avatar: mediaUrl(m.avatarMediaId), role: m.role, muted: Boolean(m.mutedUntil && m.mutedUntil > Date.now()) };
}

/** Asks before an action that cannot be undone; resolves without acting when the user cancels. */
function confirmFirst(content: string, confirmText: string, action: () => Promise<unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    wx.showModal({
      title: "",
      content,
      cancelText: t("common.cancel"),
      confirmText,
      confirmColor: "#FA5151",
      success: (res) => (res.confirm ? action().then(resolve, reject) : resolve(null)),
      fail: () => resolve(null),
    });
  });
}

Component({
  behaviors: [errorTips, localized(strings)],
  data: {
    id: "",
    info: null as GroupInfo | null,
    tiles: [] as Tile[],
    more: 0,
    role: "member",
    admin: false,
    /** Whether "+" shows: owner and admins, or anyone when members may invite. */
    canInvite: false,
    avatar: "",
    alias: "",
    picking: false,
    memberIds: [] as string[],
    /** Every member, drawn only while "All Members" is open (a group holds up to 500). */
    everyone: [] as Tile[],
    showAll: false,
    allTitle: "",
    pinned: false,
    muted: false,
    requests: [] as Array<JoinRequestView & { name: string }>,
    qr: null as { image: string; url: string; pngUrl: string; hint: string } | null,
    editing: null as (Editing & { heading: string }) | null,
    draft: "",
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ id: query.id ?? "" });
      if (!ensureSignedIn()) return;
      this.load().catch((e: unknown) => this.showError(e));
    },

    async load() {
      const info = await groupInfo(this.data.id);
      const me = chats.me;
      const mine = info.members.find((m) => m.userId === me);
      const role = mine?.role ?? "member";
      const admin = role === "owner" || role === "admin";
      const summary = chats.conversation(this.data.id);
      this.setData({
        info,
        role,
        admin,
        canInvite: !info.dissolvedAt && (admin || info.membersCanInvite),
        alias: mine?.nickname ?? "",
        more: Math.max(0, info.memberCount - GRID_MAX),
        pinned: Boolean(summary?.pinned),
        muted: Boolean(summary?.doNotDisturb),
        allTitle: t("groupInfo.allMembers", { n: info.memberCount }),
      });
      this.drawAvatars();
      loadAvatars([info.avatarMediaId, ...info.members.slice(0, GRID_MAX).map((m) => m.avatarMediaId)], () => this.drawAvatars());
      if (typeof wx.setNavigationBarTitle === "function") wx.setNavigationBarTitle({ title: t("groupInfo.title", { n: info.memberCount }) });
      if (admin && !info.dissolvedAt) {
        const names = new Map(info.members.map((m) => [m.userId, m.nickname || m.profileNickname]));
        const requests = await joinRequests(this.data.id);
        this.setData({ requests: requests.map((r) => ({ ...r, name: names.get(r.userId) ?? r.userId })) });
      }
    },

    /** The grid and the group avatar from the signed URLs at hand (initials where there are none yet). */
    drawAvatars() {
      const info = this.data.info;
      if (!info) return;
      const tiles = info.members.map(tileOf);
      this.setData({ tiles: tiles.slice(0, GRID_MAX), avatar: mediaUrl(info.avatarMediaId), ...(this.data.showAll ? { everyone: tiles } : {}) });
    },

    /** The "+n" tile: every member, with the same actions on tap as the grid. */
    onShowAll() {
      const info = this.data.info;
      if (!info) return;
      this.setData({ showAll: true, everyone: info.members.map(tileOf) });
      loadAvatars(
        info.members.map((m) => m.avatarMediaId),
        () => this.drawAvatars(),
      );
    },

    onCloseAll() {
      this.setData({ showAll: false, everyone: [] });
    },

    // ---- Adding friends ("+") -------------------------------------------------------------

    onOpenPicker() {
      if (!this.data.canInvite || !this.data.info) return;
      this.setData({ picking: true, memberIds: this.data.info.members.map((m) => m.userId) });
    },

    onClosePicker() {
      this.setData({ picking: false });
    },

    async onConfirmAdd(e: WechatMiniprogram.CustomEvent<{ userIds: string[] }>) {
      const userIds = e.detail.userIds;
      if (!userIds.length) return;
      try {
        const result = await addMembers(this.data.id, userIds);
        this.setData({ picking: false });
        // With invite confirmation on, a member's additions wait for the owner or an admin.
        wx.showToast({ title: t(result.requested.length ? "groupInfo.sentForApproval" : "groupInfo.added"), icon: result.requested.length ? "none" : "success" });
        await this.load();
        await chats.refresh().catch(() => undefined);
      } catch (err) {
        this.showError(err);
      }
    },

    // ---- Avatar and alias -----------------------------------------------------------------

    onChangeAvatar() {
      if (!this.data.admin || this.data.info?.dissolvedAt) return;
      wx.chooseMedia({
        count: 1,
        mediaType: ["image"],
        sizeType: ["compressed"],
        success: async (res) => {
          const f = res.tempFiles[0];
          if (!f) return;
          try {
            const fields: Record<string, number> = { size: f.size };
            if (f.width && f.height) Object.assign(fields, { width: f.width, height: f.height });
            const mediaId = await uploadMedia(f.tempFilePath, "image", undefined, fields);
            this.setData({ info: await updateGroup(this.data.id, { avatarMediaId: mediaId }) });
            loadAvatars([mediaId], () => this.drawAvatars());
            await chats.refresh().catch(() => undefined);
          } catch (err) {
            this.showError(err);
          }
        },
      });
    },

    /** Your name in this group only (WeChat's "My Alias in Group"); empty goes back to your nickname. */
    onEditAlias() {
      if (this.data.info?.dissolvedAt) return;
      wx.showModal({
        title: t("groupInfo.alias"),
        editable: true,
        cancelText: t("common.cancel"),
        confirmText: t("common.confirm"),
        placeholderText: session.get().user?.nickname ?? "",
        content: this.data.alias,
        success: async (res) => {
          if (!res.confirm) return;
          const nickname = (res.content ?? "").trim().slice(0, GROUP_LIMITS.groupNicknameChars);
          if (nickname === this.data.alias) return;
          try {
            await setGroupNickname(this.data.id, nickname);
            await this.load();
          } catch (err) {
            this.showError(err);
          }
        },
      });
    },

    onSearchHistory() {
      wx.navigateTo({ url: `/pages/chat-search/index?id=${this.data.id}&name=${encodeURIComponent(this.data.info?.name ?? "")}` });
    },

    async onShowQr() {
      try {
        // Opening the QR code again shows the same live invite instead of minting one each time.
        const invite: CreatedInvite = await groupInvite(this.data.id);
        const expires = new Date(invite.expiresAt);
        this.setData({
          qr: {
            image: invite.qrPngDataUrl,
            url: invite.url,
            pngUrl: `${apiBase()}${invite.qrPngUrl}`,
            hint: t("groupInfo.qrHint", { date: t("groupInfo.qrDate", { m: expires.getMonth() + 1, d: expires.getDate() }) }),
          },
        });
      } catch (e) {
        this.showError(e);
      }
    },

    onCloseQr() {
      this.setData({ qr: null });
    },

    /** The PNG served by the worker: saving and sharing need a local file. */
    downloadQr(): Promise<string> {
      const url = this.data.qr?.pngUrl;
      return new Promise((resolve, reject) => {
        if (!url) return reject(new Error(t("groupInfo.noQr")));
        wx.downloadFile({
          url,
          success: (res) => (res.statusCode === 200 ? resolve(res.tempFilePath) : reject(new Error(t("groupInfo.qrDownloadFailed")))),
          fail: (err) => reject(new Error(err.errMsg)),
        });
      });
    },

    async onSaveQr() {
      try {
        if (!(await ensurePermission("scope.writePhotosAlbum"))) return;
        const filePath = await this.downloadQr();
        wx.saveImageToPhotosAlbum({
          filePath,
          success: () => wx.showToast({ title: t("groupInfo.savedQr"), icon: "success" }),
          fail: () => this.showError(t("groupInfo.allowAlbum")),
        });
      } catch (e) {
        this.showError(e);
      }
    },

    async onShareQr() {
      try {
        const path = await this.downloadQr();
        wx.showShareImageMenu({ path });
      } catch (e) {
        this.showError(e);
      }
    },

    onShareAppMessage() {
      const q = this.data.qr ? encodeURIComponent(this.data.qr.url) : "";
      return { title: t("groupInfo.shareTitle", { name: this.data.info?.name ?? t("groupInfo.ourGroup") }), path: q ? `/pages/join/index?q=${q}` : "/pages/chats/index" };
    },

    onEdit(e: WechatMiniprogram.BaseEvent) {
      const field = (e.currentTarget.dataset as { field?: "name" | "announcement" }).field;
      if (!field || !this.data.admin || !this.data.info) return;
      const editing: Editing =
        field === "name" ? { field, title: "groupInfo.name", maxlength: MESSAGE_LIMITS.groupNameChars } : { field, title: "groupInfo.notice", maxlength: GROUP_LIMITS.announcementChars };
      this.setData({ editing: { ...editing, heading: t(editing.title) }, draft: field === "name" ? this.data.info.name : this.data.info.announcement });
    },

    onDraftInput(e: WechatMiniprogram.Input) {
      this.setData({ draft: e.detail.value });
    },

    onEditClose() {
      this.setData({ editing: null, draft: "" });
    },

    async onEditSave() {
      const editing = this.data.editing;
      if (!editing) return;
      try {
        const info = await updateGroup(this.data.id, { [editing.field]: this.data.draft.trim() });
        this.setData({ info, editing: null, draft: "" });
      } catch (e) {
        this.showError(e);
      }
    },

    async onTogglePinned(e: WechatMiniprogram.SwitchChange) {
      await chats.setFlags(this.data.id, { pinned: e.detail.value }).catch((err: unknown) => this.showError(err));
    },

    async onToggleMuted(e: WechatMiniprogram.SwitchChange) {
      await chats.setFlags(this.data.id, { doNotDisturb: e.detail.value }).catch((err: unknown) => this.showError(err));
    },

    /** Owner and admins: invite confirmation, members-can-invite, history for newcomers, mute all. */
    async onToggleSetting(e: WechatMiniprogram.SwitchChange) {
      const field = (e.currentTarget.dataset as { field?: SettingField }).field;
      if (!field || !SETTINGS.includes(field)) return;
      try {
        const info = await updateGroup(this.data.id, { [field]: e.detail.value });
        this.setData({ info, canInvite: !info.dissolvedAt && (this.data.admin || info.membersCanInvite) });
      } catch (err) {
        this.showError(err);
        this.revertSwitch(`info.${field}`, e.detail.value);
      }
    },

    /**
     * A refused switch flips back. The data never changed, so setting it again would not redraw
     * the switch: set what the user chose, then what holds.
     */
    revertSwitch(path: string, chosen: boolean) {
      this.setData({ [path]: chosen });
      this.setData({ [path]: !chosen });
    },

    async onDecide(e: WechatMiniprogram.BaseEvent) {
      const { rid, approve } = e.currentTarget.dataset as { rid?: string; approve?: boolean | string };
      if (!rid) return;
      try {
        await decideJoinRequest(this.data.id, rid, approve === true || approve === "true");
        await this.load();
      } catch (err) {
        this.showError(err);
      }
    },

    /** Tapping a member: the actions your role allows over theirs (docs/groups.md, Roles). */
    onMember(e: WechatMiniprogram.BaseEvent) {
      const userId = (e.currentTarget.dataset as { id?: string }).id;
      const tile = this.data.tiles.find((t) => t.userId === userId) ?? this.data.everyone.find((t) => t.userId === userId);
      const { role, id } = this.data;
      if (!tile || tile.userId === chats.me || RANK[role]! <= RANK[tile.role]! || this.data.info?.dissolvedAt) return;
      const actions: Array<[string, () => Promise<unknown>]> = [];
      if (role === "owner") {
        actions.push(tile.role === "admin" ? [t("groupInfo.removeAdmin"), () => setAdmin(id, tile.userId, false)] : [t("groupInfo.makeAdmin"), () => setAdmin(id, tile.userId, true)]);
        actions.push([t("groupInfo.makeOwner"), () => confirmFirst(t("groupInfo.makeOwnerConfirm", { name: tile.name }), t("common.confirm"), () => transferOwnership(id, tile.userId))]);
      }
      actions.push(tile.muted ? [t("groupInfo.unmuteMember"), () => muteMember(id, tile.userId, 0)] : [t("groupInfo.muteMember"), () => muteMember(id, tile.userId, MUTE_SECONDS)]);
      actions.push([t("groupInfo.removeMember"), () => confirmFirst(t("groupInfo.removeConfirm", { name: tile.name }), t("groupInfo.remove"), () => removeMember(id, tile.userId))]);
      wx.showActionSheet({
        itemList: actions.map((a) => a[0]),
        success: (res) => {
          const action = actions[res.tapIndex];
          if (!action) return;
          action[1]().then(
            () => this.load(),
            (err: unknown) => this.showError(err),
          );
        },
      });
    },

    async onToggleApproval(e: WechatMiniprogram.SwitchChange) {
      try {
        this.setData({ info: await updateGroup(this.data.id, { joinPolicy: e.detail.value ? "approval" : "open" }) });
      } catch (err) {
        this.showError(err);
        const policy = this.data.info?.joinPolicy;
        this.setData({ "info.joinPolicy": e.detail.value ? "approval" : "open" });
        this.setData({ "info.joinPolicy": policy });
      }
    },

    onLeave() {
      const owner = this.data.role === "owner" && (this.data.info?.memberCount ?? 0) > 1;
      wx.showModal({
        title: t(owner ? "groupInfo.dissolve" : "groupInfo.leave"),
        content: t(owner ? "groupInfo.dissolveConfirm" : "groupInfo.leaveConfirm"),
        cancelText: t("common.cancel"),
        confirmText: t(owner ? "groupInfo.dissolveButton" : "groupInfo.leaveButton"),
        confirmColor: "#FA5151",
        success: async (res) => {
          if (!res.confirm) return;
          try {
            if (owner) await dissolveGroup(this.data.id);
            else await leaveGroup(this.data.id);
            await chats.refresh().catch(() => undefined);
            wx.reLaunch({ url: "/pages/chats/index" });
          } catch (err) {
            this.showError(err);
          }
        },
      });
    },
  },
});
