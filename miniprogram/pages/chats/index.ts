// The conversation list: pinned first, then by last activity; unread badges (a dot when muted),
// live updates from the chat store, pull to refresh, and the "+" menu (new group, scan, face-to-face).
import { applyTabBar } from "../../services/badge";
import type { ConversationSummary } from "../../../schema/protocol";
import { ensureSignedIn } from "../../services/auth";
import { chats, type ChatState, type LocalMessage } from "../../services/chats";
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { type MessageKey, t } from "../../i18n/index";
import { initialOf, listTime, summaryPreview } from "../../services/format";
import { createGroup } from "../../services/groups";
import { MESSAGE_LIMITS } from "../../generated/limits";
import { mediaUrl, mediaUrls } from "../../services/media";
import { session } from "../../services/session";
import { unwatchAll, watch } from "../../services/store";

export interface ChatRow {
  id: string;
  name: string;
  initial: string;
  /** Signed URL of the avatar once granted; the initial shows until then (or without one). */
  avatar: string;
  preview: string;
  /** "[You were mentioned]" in red before the preview while a mention of me is unread. */
  mention: string;
  time: string;
  badge: string;
  dot: boolean;
  pinned: boolean;
  muted: boolean;
  group: boolean;
}

const GROUP_NAME_MAX = MESSAGE_LIMITS.groupNameChars;

const CONNECTION_LABEL: Record<ChatState["connection"], MessageKey | null> = { online: null, connecting: "chats.connecting", offline: "chats.offline", stopped: "chats.offline" };
const connectionLabel = (state: ChatState["connection"]) => {
  const key = CONNECTION_LABEL[state];
  return key ? t(key) : "";
};

const strings = () => ({
  search: t("chats.search"),
  plus: t("chats.plus"),
  emptyTitle: t("chats.emptyTitle"),
  emptyDesc: t("chats.emptyDesc"),
  newGroup: t("chats.newGroup"),
});

function avatarOf(c: ConversationSummary): string | null {
  return c.kind === "direct" ? (c.peer?.avatarMediaId ?? null) : c.avatarMediaId;
}

/** Whether an unread message held for this chat mentions me (or everyone), as WeChat flags it. */
export function mentionsMe(c: ConversationSummary, messages: LocalMessage[] | undefined, me: string | null): boolean {
  if (!me || c.unread === 0) return false;
  return (messages ?? []).some((m) => m.seq > c.readSeq && m.senderId !== me && !m.recalledAt && (m.mentionAll || m.mentions.includes(me)));
}

export function rowOf(c: ConversationSummary, me: string | null, mentioned = false): ChatRow {
  const name = c.kind === "direct" ? (c.peer?.nickname ?? c.name) : c.name;
  let preview = c.dissolved ? t("chats.dissolved") : summaryPreview(c.lastMessage);
  if (c.lastMessage && c.kind === "group" && c.lastMessage.type !== "system" && c.lastMessage.senderId === me) preview = t("chats.mine", { text: preview });
  // WeChat shows "[n]" before the preview of a muted chat instead of a number badge.
  if (c.doNotDisturb && c.unread > 0) preview = `[${c.unread > 99 ? "99+" : c.unread}] ${preview}`;
  return {
    id: c.id,
    name: c.kind === "group" ? t("chats.groupName", { name, count: c.memberCount }) : name,
    initial: initialOf(name),
    avatar: mediaUrl(avatarOf(c)),
    preview,
    mention: mentioned ? t("chats.mentioned") : "",
    time: listTime(c.lastMessageAt),
    badge: !c.doNotDisturb && c.unread > 0 ? (c.unread > 99 ? "99+" : String(c.unread)) : "",
    dot: c.doNotDisturb && c.unread > 0,
    pinned: c.pinned,
    muted: c.doNotDisturb,
    group: c.kind === "group",
  };
}

function rowsOf(state: ChatState): ChatRow[] {
  return state.conversations.map((c) => rowOf(c, chats.me, mentionsMe(c, state.messages[c.id], chats.me)));
}

Component({
  behaviors: [errorTips, localized(strings, "chats.title")],
  data: {
    rows: [] as ChatRow[],
    connection: "",
    loaded: false,
    picking: false,
  },
  methods: {
    onLoad() {
      watch(this, chats.store, (state) => {
        this.setData({ rows: rowsOf(state), connection: connectionLabel(state.connection), loaded: state.synced || state.conversations.length > 0 });
        // Avatars are current profile or group pictures, which any signed-in user may fetch.
        const missing = state.conversations.map(avatarOf).filter((id): id is string => Boolean(id) && !mediaUrl(id));
        if (missing.length) {
          mediaUrls(missing).then(
            (got) => Object.keys(got).length && this.setData({ rows: rowsOf(chats.store.get()) }),
            () => undefined,
          );
        }
      });
    },

    onShow() {
      if (!ensureSignedIn()) return;
      chats.start();
      this.applyTitle();
      applyTabBar();
    },

    /** Rows, previews and times are written in the language: redraw them after a switch. */
    onLocaleChanged() {
      const state = chats.store.get();
      this.setData({ rows: rowsOf(state), connection: connectionLabel(state.connection) });
    },

    onUnload() {
      unwatchAll(this);
    },

    async onPullDownRefresh() {
      try {
        await chats.refresh();
        await chats.flushOutbox();
      } catch (e) {
        this.showError(e);
      } finally {
        wx.stopPullDownRefresh();
      }
    },

    onOpen(e: WechatMiniprogram.BaseEvent) {
      const id = (e.currentTarget.dataset as { id?: string }).id;
      if (id) wx.navigateTo({ url: `/pages/chat/index?id=${id}` });
    },

    onSearch() {
      wx.navigateTo({ url: "/pages/search/index" });
    },

    onRowMenu(e: WechatMiniprogram.BaseEvent) {
      const id = (e.currentTarget.dataset as { id?: string }).id;
      const c = id ? chats.conversation(id) : undefined;
      if (!c) return;
      const items = [t(c.pinned ? "chats.unpin" : "chats.pin"), t(c.doNotDisturb ? "chats.unmute" : "chats.mute")];
      wx.showActionSheet({
        itemList: items,
        success: (res) => {
          const flags = res.tapIndex === 0 ? { pinned: !c.pinned } : { doNotDisturb: !c.doNotDisturb };
          chats.setFlags(c.id, flags).catch((err: unknown) => this.showError(err));
        },
      });
    },

    onPlus() {
      wx.showActionSheet({
        itemList: [t("chats.newGroup"), t("chats.scan"), t("chats.faceToFace")],
        success: (res) => {
          if (res.tapIndex === 0) this.setData({ picking: true });
          if (res.tapIndex === 1) wx.navigateTo({ url: "/pages/join/index?scan=1" });
          if (res.tapIndex === 2) wx.navigateTo({ url: "/pages/face-to-face/index" });
        },
      });
    },

    onClosePicker() {
      this.setData({ picking: false });
    },

    /**
     * New Group Chat: friends picked (or nobody: people can join by its QR code later), then a
     * name, suggested from the people in it as WeChat does.
     */
    onGroupPicked(e: WechatMiniprogram.CustomEvent<{ userIds: string[]; names: string[] }>) {
      const { userIds, names } = e.detail;
      this.setData({ picking: false });
      const me = session.get().user?.nickname ?? "";
      const suggested = [me, ...names].filter(Boolean).join(t("list.separator")).slice(0, GROUP_NAME_MAX);
      wx.showModal({
        title: t("chats.newGroup"),
        editable: true,
        placeholderText: t("chats.groupNamePlaceholder"),
        content: userIds.length ? suggested : "",
        cancelText: t("common.cancel"),
        confirmText: t("chats.create"),
        success: async (res) => {
          const name = (res.content ?? "").trim().slice(0, GROUP_NAME_MAX);
          if (!res.confirm || !name) return;
          try {
            const group = await createGroup(name, userIds);
            wx.navigateTo({ url: `/pages/chat/index?id=${group.id}` });
          } catch (err) {
            this.showError(err);
          }
        },
      });
    },
  },
});
