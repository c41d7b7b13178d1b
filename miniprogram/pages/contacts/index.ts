// size: the contacts page with its requests, tags and blocks panels, each a few handlers of one shape.
// Contacts: friends under an A–Z index (remark before nickname, tag filter, online dot, avatar),
// New Friends (incoming requests to accept or decline), Add Friend by Qun ID, a friend's card
// to set the remark and tags, send a message, block or delete, the people you blocked, and
// long-press on a tag to rename or delete it. Friend requests and presence refresh it live.
import { applyTabBar } from "../../services/badge";
import type { PublicProfile } from "../../../schema/api";
import type { FriendRequestView, FriendView } from "../../../schema/contacts";
import type { ServerFrame } from "../../../schema/protocol";
import { ensureSignedIn } from "../../services/auth";
import { chats } from "../../services/chats";
import {
  acceptFriendRequest,
  blockedUsers,
  blockUser,
  declineFriendRequest,
  deleteFriend,
  deleteTag,
  friendRequests,
  indexed,
  listContacts,
  renameTag,
  searchUsers,
  sendFriendRequest,
  unblockUser,
  updateFriend,
} from "../../services/contacts";
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { t } from "../../i18n/index";
import { initialOf } from "../../services/format";
import { loadAvatars, mediaUrl } from "../../services/media";
import { session } from "../../services/session";

interface Row {
  userId: string;
  name: string;
  initial: string;
  /** Signed URL of the friend's avatar once granted; the initial shows until then. */
  avatar: string;
  online: boolean;
  tags: string;
}

let unsubscribe: (() => void) | null = null;
/** Every friend as last loaded (the tab is a single page; setData carries only what is shown). */
let all: FriendView[] = [];

const strings = () => ({
  newFriends: t("contacts.newFriends"),
  addFriend: t("contacts.addFriend"),
  blocked: t("contacts.blocked"),
  emptyTitle: t("contacts.emptyTitle"),
  emptyDesc: t("contacts.emptyDesc"),
  noRequests: t("contacts.noRequests"),
  accept: t("contacts.accept"),
  decline: t("contacts.decline"),
  searchPlaceholder: t("contacts.searchPlaceholder"),
  search: t("contacts.search"),
  notFound: t("contacts.notFound"),
  qunIdPrefix: t("contacts.qunId", { id: "" }),
  qunIdNotSet: t("contacts.qunIdNotSet"),
  add: t("contacts.add"),
  sent: t("contacts.sent"),
  remark: t("contacts.remark"),
  tagsLabel: t("contacts.tagsLabel"),
  more: t("contacts.more"),
  save: t("common.save"),
  message: t("contacts.message"),
  unblock: t("contacts.unblock"),
});

function nameOf(f: FriendView): string {
  return f.remark || f.user.nickname;
}

Component({
  behaviors: [errorTips, localized(strings, "contacts.title")],
  data: {
    sections: [] as Array<{ letter: string; items: Row[] }>,
    tags: [] as string[],
    tag: "",
    count: 0,
    countText: "",
    loaded: false,
    requests: [] as Array<FriendRequestView & { initial: string; avatar: string }>,
    showRequests: false,
    adding: false,
    query: "",
    found: [] as Array<PublicProfile & { initial: string; avatar: string; sent: boolean }>,
    searched: false,
    card: null as { userId: string; nickname: string; username: string; signature: string; initial: string; conversationId: string } | null,
    blocked: [] as Array<PublicProfile & { initial: string }>,
    showBlocked: false,
    remark: "",
    tagsDraft: "",
  },
  methods: {
    onLoad() {
      unsubscribe = chats.socket.onFrame((frame: ServerFrame) => {
        // A friend came or went: patch the dot in place (each refetch fans out to the gateway shards).
        if (frame.type === "presence") {
          if (!all.some((f) => f.user.id === frame.userId)) return;
          all = all.map((f) => (f.user.id === frame.userId ? { ...f, online: frame.online } : f));
          this.show();
        } else if (frame.type === "friend_request") this.load(["requests"]).catch(() => undefined);
        // `contacts`: another of my devices changed these lists: fetch those only.
        else if (frame.type === "contacts") this.load(frame.changed).catch(() => undefined);
      });
    },

    onShow() {
      if (!ensureSignedIn()) return;
      chats.start();
      this.applyTitle();
      applyTabBar();
      this.load().catch((e: unknown) => this.showError(e));
    },

    onUnload() {
      unsubscribe?.();
      unsubscribe = null;
    },

    async onPullDownRefresh() {
      await this.load().catch((e: unknown) => this.showError(e));
      wx.stopPullDownRefresh();
    },

    /** Fetches the lists named (all by default): friends and tags come together, requests and blocks apart. */
    async load(lists: ReadonlyArray<"friends" | "requests" | "blocks" | "tags"> = ["friends", "requests", "blocks"]) {
      const wants = (l: string) => lists.includes(l as never);
      const [contacts, requests, blocked] = await Promise.all([
        wants("friends") || wants("tags") ? listContacts() : null,
        wants("requests") ? friendRequests() : null,
        wants("blocks") ? blockedUsers() : null,
      ]);
      if (contacts) all = contacts.friends;
      this.setData({
        ...(contacts ? { tags: contacts.tags } : {}),
        ...(requests ? { requests: requests.incoming.map((r) => ({ ...r, initial: initialOf(r.from.nickname), avatar: mediaUrl(r.from.avatarMediaId) })) } : {}),
        ...(blocked ? { blocked: blocked.map((u) => ({ ...u, initial: initialOf(u.nickname) })) } : {}),
        loaded: true,
      });
      this.show();
      loadAvatars([...all.map((f) => f.user.avatarMediaId), ...this.data.requests.map((r) => r.from.avatarMediaId)], () => {
        this.show();
        this.setData({ requests: this.data.requests.map((r) => ({ ...r, avatar: mediaUrl(r.from.avatarMediaId) })) });
      });
    },

    show() {
      const friends = all;
      const tag = this.data.tag;
      const shown = tag ? friends.filter((f) => f.tags.includes(tag)) : friends;
      const sections = indexed(shown, nameOf, (f) => f.sortKey).map((s) => ({
        letter: s.letter,
        items: s.items.map((f) => ({
          userId: f.user.id,
          name: nameOf(f),
          initial: initialOf(nameOf(f)),
          avatar: mediaUrl(f.user.avatarMediaId),
          online: f.online,
          tags: f.tags.join(t("list.separator")),
        })),
      }));
      this.setData({ sections, count: friends.length, countText: t("contacts.count", { n: friends.length }) });
    },

    onLocaleChanged() {
      this.show();
    },

    /** The letter bar on the right, as in WeChat: jumps to that letter's section. */
    onIndex(e: WechatMiniprogram.BaseEvent) {
      const letter = (e.currentTarget.dataset as { letter?: string }).letter;
      if (letter) wx.pageScrollTo({ selector: `#section-${letter === "#" ? "hash" : letter}`, duration: 0 });
    },

    onTag(e: WechatMiniprogram.BaseEvent) {
      const tag = (e.currentTarget.dataset as { tag?: string }).tag ?? "";
      this.setData({ tag: tag === this.data.tag ? "" : tag });
      this.show();
    },

    /** Long-press on a tag: rename it (every friend keeps it under the new name) or delete it. */
    onTagMenu(e: WechatMiniprogram.BaseEvent) {
      const tag = (e.currentTarget.dataset as { tag?: string }).tag;
      if (!tag) return;
      wx.showActionSheet({
        itemList: [t("contacts.renameTag"), t("contacts.deleteTag")],
        success: (res) => {
          if (res.tapIndex === 0) {
            wx.showModal({
              title: t("contacts.renameTag"),
              editable: true,
              cancelText: t("common.cancel"),
              confirmText: t("common.confirm"),
              content: tag,
              success: (m) => {
                const next = (m.content ?? "").trim();
                if (m.confirm && next && next !== tag) this.changeTags(() => renameTag(tag, next), next === this.data.tag || this.data.tag === tag ? next : this.data.tag);
              },
            });
          } else if (res.tapIndex === 1) {
            wx.showModal({
              title: t("contacts.deleteTag"),
              content: t("contacts.deleteTagConfirm", { tag }),
              cancelText: t("common.cancel"),
              confirmText: t("common.delete"),
              confirmColor: "#FA5151",
              success: (m) => {
                if (m.confirm) this.changeTags(() => deleteTag(tag), this.data.tag === tag ? "" : this.data.tag);
              },
            });
          }
        },
      });
    },

    async changeTags(change: () => Promise<unknown>, filter: string) {
      try {
        await change();
        this.setData({ tag: filter });
        await this.load();
      } catch (err) {
        this.showError(err);
      }
    },

    // ---- New friends ----------------------------------------------------------------------

    onOpenRequests() {
      this.setData({ showRequests: true });
    },

    onCloseRequests() {
      this.setData({ showRequests: false });
    },

    async onAccept(e: WechatMiniprogram.BaseEvent) {
      const id = (e.currentTarget.dataset as { id?: string }).id;
      if (!id) return;
      try {
        await acceptFriendRequest(id);
        await this.load();
        await chats.refresh().catch(() => undefined);
      } catch (err) {
        this.showError(err);
      }
    },

    async onDecline(e: WechatMiniprogram.BaseEvent) {
      const id = (e.currentTarget.dataset as { id?: string }).id;
      if (!id) return;
      try {
        await declineFriendRequest(id);
        await this.load();
      } catch (err) {
        this.showError(err);
      }
    },

    // ---- Add friend ------------------------------------------------------------------------

    onOpenAdd() {
      this.setData({ adding: true, query: "", found: [], searched: false });
    },

    onCloseAdd() {
      this.setData({ adding: false });
    },

    onQueryInput(e: WechatMiniprogram.Input) {
      this.setData({ query: e.detail.value });
    },

    async onSearch() {
      const q = this.data.query.trim();
      if (!q) return;
      try {
        const users = await searchUsers(q);
        this.setData({ found: users.map((u) => ({ ...u, initial: initialOf(u.nickname), avatar: mediaUrl(u.avatarMediaId), sent: false })), searched: true });
        loadAvatars(
          users.map((u) => u.avatarMediaId),
          () => this.setData({ found: this.data.found.map((u) => ({ ...u, avatar: mediaUrl(u.avatarMediaId) })) }),
        );
      } catch (err) {
        this.showError(err);
      }
    },

    async onRequest(e: WechatMiniprogram.BaseEvent) {
      const id = (e.currentTarget.dataset as { id?: string }).id;
      if (!id) return;
      try {
        const me = session.get().user?.nickname;
        await sendFriendRequest(id, me ? t("contacts.greeting", { name: me }) : undefined);
        this.setData({ found: this.data.found.map((u) => (u.id === id ? { ...u, sent: true } : u)) });
      } catch (err) {
        this.showError(err);
      }
    },

    // ---- A friend's card -------------------------------------------------------------------

    onOpenFriend(e: WechatMiniprogram.BaseEvent) {
      const id = (e.currentTarget.dataset as { id?: string }).id;
      const f = all.find((x) => x.user.id === id);
      if (!f) return;
      this.setData({
        card: { userId: f.user.id, nickname: f.user.nickname, username: f.user.username ?? "", signature: f.user.signature, initial: initialOf(nameOf(f)), conversationId: f.conversationId },
        remark: f.remark,
        tagsDraft: f.tags.join(", "),
      });
    },

    onCloseCard() {
      this.setData({ card: null });
    },

    onRemarkInput(e: WechatMiniprogram.Input) {
      this.setData({ remark: e.detail.value });
    },

    onTagsInput(e: WechatMiniprogram.Input) {
      this.setData({ tagsDraft: e.detail.value });
    },

    async onSaveCard() {
      const card = this.data.card;
      if (!card) return;
      const tags = [
        ...new Set(
          this.data.tagsDraft
            .split(/[,，]/)
            .map((t) => t.trim())
            .filter(Boolean),
        ),
      ];
      try {
        await updateFriend(card.userId, { remark: this.data.remark.trim(), tags });
        this.setData({ card: null });
        await this.load();
      } catch (err) {
        this.showError(err);
      }
    },

    onMessage() {
      const card = this.data.card;
      if (!card) return;
      this.setData({ card: null });
      chats.refresh().catch(() => undefined);
      wx.navigateTo({ url: `/pages/chat/index?id=${card.conversationId}` });
    },

    /** The card's "More": block (they can no longer message you or ask again) or delete, both confirmed. */
    onCardMore() {
      const card = this.data.card;
      if (!card) return;
      const name = this.data.remark || card.nickname;
      const actions: Array<{ label: string; title: string; content: string; confirmText: string; run: () => Promise<unknown> }> = [
        { label: t("contacts.block"), title: t("contacts.block"), content: t("contacts.blockConfirm", { name }), confirmText: t("contacts.blockButton"), run: () => blockUser(card.userId) },
        {
          label: t("contacts.deleteContact"),
          title: t("contacts.deleteContact"),
          content: t("contacts.deleteConfirm", { name }),
          confirmText: t("common.delete"),
          run: () => deleteFriend(card.userId),
        },
      ];
      wx.showActionSheet({
        itemList: actions.map((a) => a.label),
        success: (res) => {
          const action = actions[res.tapIndex];
          if (!action) return;
          wx.showModal({
            title: action.title,
            content: action.content,
            cancelText: t("common.cancel"),
            confirmText: action.confirmText,
            confirmColor: "#FA5151",
            success: async (m) => {
              if (!m.confirm) return;
              try {
                await action.run();
                this.setData({ card: null });
                await this.load();
                await chats.refresh().catch(() => undefined);
              } catch (err) {
                this.showError(err);
              }
            },
          });
        },
      });
    },

    // ---- Blocked ---------------------------------------------------------------------------

    onOpenBlocked() {
      this.setData({ showBlocked: true });
    },

    onCloseBlocked() {
      this.setData({ showBlocked: false });
    },

    async onUnblock(e: WechatMiniprogram.BaseEvent) {
      const id = (e.currentTarget.dataset as { id?: string }).id;
      if (!id) return;
      try {
        await unblockUser(id);
        await this.load();
        if (!this.data.blocked.length) this.setData({ showBlocked: false });
      } catch (err) {
        this.showError(err);
      }
    },
  },
});
