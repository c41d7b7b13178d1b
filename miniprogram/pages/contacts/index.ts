// Contacts: friends under an A–Z index (remark before nickname, tag filter, online dot), New
// Friends (incoming requests to accept or decline), Add Friend by Qun ID, and a friend's card
// to set the remark and tags or send a message. Friend requests and presence refresh it live.
import type { PublicProfile } from "../../../schema/api";
import type { FriendRequestView, FriendView } from "../../../schema/contacts";
import type { ServerFrame } from "../../../schema/protocol";
import { ensureSignedIn } from "../../services/auth";
import { chats } from "../../services/chats";
import { acceptFriendRequest, declineFriendRequest, friendRequests, indexed, listContacts, searchUsers, sendFriendRequest, updateFriend } from "../../services/contacts";
import { errorMessage } from "../../services/errors";
import { initialOf } from "../../services/format";
import { session } from "../../services/session";

interface Row {
  userId: string;
  name: string;
  initial: string;
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
  data: {
    sections: [] as Array<{ letter: string; items: Row[] }>,
    tags: [] as string[],
    tag: "",
    count: 0,
    loaded: false,
    requests: [] as Array<FriendRequestView & { initial: string }>,
    showRequests: false,
    adding: false,
    query: "",
    found: [] as Array<PublicProfile & { initial: string; sent: boolean }>,
    searched: false,
    card: null as { userId: string; nickname: string; username: string; signature: string; initial: string; conversationId: string } | null,
    remark: "",
    tagsDraft: "",
    error: "",
  },
  methods: {
    onLoad() {
      unsubscribe = chats.socket.onFrame((frame: ServerFrame) => {
        const type = (frame as { type: string }).type;
        if (type === "friend_request" || type === "presence") this.load().catch(() => undefined);
      });
    },

    onShow() {
      if (!ensureSignedIn()) return;
      chats.start();
      this.load().catch((e: unknown) => this.setData({ error: errorMessage(e) }));
    },

    onUnload() {
      unsubscribe?.();
      unsubscribe = null;
    },

    async onPullDownRefresh() {
      await this.load().catch((e: unknown) => this.setData({ error: errorMessage(e) }));
      wx.stopPullDownRefresh();
    },

    async load() {
      const [{ friends, tags }, { incoming }] = await Promise.all([listContacts(), friendRequests()]);
      all = friends;
      this.setData({ tags, requests: incoming.map((r) => ({ ...r, initial: initialOf(r.from.nickname) })), loaded: true });
      this.show();
    },

    show() {
      const friends = all;
      const tag = this.data.tag;
      const shown = tag ? friends.filter((f) => f.tags.includes(tag)) : friends;
      const sections = indexed(shown, nameOf).map((s) => ({
        letter: s.letter,
        items: s.items.map((f) => ({ userId: f.user.id, name: nameOf(f), initial: initialOf(nameOf(f)), online: f.online, tags: f.tags.join(", ") })),
      }));
      this.setData({ sections, count: friends.length });
    },

    onTag(e: WechatMiniprogram.BaseEvent) {
      const tag = (e.currentTarget.dataset as { tag?: string }).tag ?? "";
      this.setData({ tag: tag === this.data.tag ? "" : tag });
      this.show();
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
        this.setData({ error: errorMessage(err) });
      }
    },

    async onDecline(e: WechatMiniprogram.BaseEvent) {
      const id = (e.currentTarget.dataset as { id?: string }).id;
      if (!id) return;
      try {
        await declineFriendRequest(id);
        await this.load();
      } catch (err) {
        this.setData({ error: errorMessage(err) });
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
        this.setData({ found: users.map((u) => ({ ...u, initial: initialOf(u.nickname), sent: false })), searched: true });
      } catch (err) {
        this.setData({ error: errorMessage(err) });
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
        this.setData({ error: errorMessage(err) });
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
      const tags = [...new Set(this.data.tagsDraft.split(/[,，]/).map((t) => t.trim()).filter(Boolean))];
      try {
        await updateFriend(card.userId, { remark: this.data.remark.trim(), tags });
        this.setData({ card: null });
        await this.load();
      } catch (err) {
        this.setData({ error: errorMessage(err) });
      }
    },

    onMessage() {
      const card = this.data.card;
      if (!card) return;
      this.setData({ card: null });
      chats.refresh().catch(() => undefined);
      wx.navigateTo({ url: `/pages/chat/index?id=${card.conversationId}` });
    },

    onErrorHide() {
      this.setData({ error: "" });
    },
  },
});
