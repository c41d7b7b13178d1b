// size: the contacts page with its requests, tags and blocks panels, each a few handlers of one shape.
// Contacts: friends under an A–Z index (remark before nickname, tag filter, online dot, avatar),
// New Friends (incoming requests to accept or decline), Add Friend by Qun ID, a friend's card
// to set the remark and tags, send a message, block or delete, the people you blocked, and
// long-press on a tag to rename or delete it. Friend requests and presence refresh it live.
import { applyTabBadge } from "../../services/badge";
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

function nameOf(f: FriendView): string {
  return f.remark || f.user.nickname;
}

Component({
  behaviors: [errorTips],
  data: {
    sections: [] as Array<{ letter: string; items: Row[] }>,
    tags: [] as string[],
    tag: "",
    count: 0,
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
      applyTabBadge();
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
        items: s.items.map((f) => ({ userId: f.user.id, name: nameOf(f), initial: initialOf(nameOf(f)), avatar: mediaUrl(f.user.avatarMediaId), online: f.online, tags: f.tags.join(", ") })),
      }));
      this.setData({ sections, count: friends.length });
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
        itemList: ["Rename Tag", "Delete Tag"],
        success: (res) => {
          if (res.tapIndex === 0) {
            wx.showModal({
              title: "Rename Tag",
              editable: true,
              content: tag,
              success: (m) => {
                const next = (m.content ?? "").trim();
                if (m.confirm && next && next !== tag) this.changeTags(() => renameTag(tag, next), next === this.data.tag || this.data.tag === tag ? next : this.data.tag);
              },
            });
          } else if (res.tapIndex === 1) {
            wx.showModal({
              title: "Delete Tag",
              content: `Delete "${tag}"? Friends in it stay your friends.`,
              confirmText: "Delete",
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
        await sendFriendRequest(id, me ? `Hi, I'm ${me}` : undefined);
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
        { label: "Block", title: "Block", content: `${name} will not be able to message you or send you friend requests.`, confirmText: "Block", run: () => blockUser(card.userId) },
        { label: "Delete Contact", title: "Delete Contact", content: `Delete ${name}? You will also be removed from their contacts.`, confirmText: "Delete", run: () => deleteFriend(card.userId) },
      ];
      wx.showActionSheet({
        itemList: actions.map((a) => a.label),
        success: (res) => {
          const action = actions[res.tapIndex];
          if (!action) return;
          wx.showModal({
            title: action.title,
            content: action.content,
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
