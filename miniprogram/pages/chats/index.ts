// The conversation list: pinned first, then by last activity; unread badges (a dot when muted or
// marked unread), live updates from the chat store (and from the user's other devices), pull to
// refresh, the search bar, the "+" menu (new group, scan, face-to-face), WeChat's long-press
// menu at the press point: mark unread / read, pin, mute, delete chat, and the "Web Qun signed in"
// bar while a web session is live (docs/miniprogram.md).
import { isListed, markedOnly } from "../../core/conversations";
import { applyTabBar } from "../../services/badge";
import type { ConversationSummary } from "../../../schema/protocol";
import { ensureSignedIn } from "../../services/auth";
import { chats, type ChatState, type LocalMessage } from "../../services/chats";
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { type MessageKey, t } from "../../i18n/index";
import { initialOf, listTime, summaryPreview } from "../../services/format";
import { pageForScanned, webSessionLive } from "../../services/devices";
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
  webSignedIn: t("chats.webSignedIn"),
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
  // Marked unread with nothing new: WeChat's red dot, no number and no "[n]".
  const marked = markedOnly(c);
  // WeChat shows "[n]" before the preview of a muted chat instead of a number badge.
  if (c.doNotDisturb && c.unread > 0 && !marked) preview = `[${c.unread > 99 ? "99+" : c.unread}] ${preview}`;
  return {
    id: c.id,
    name: c.kind === "group" ? t("chats.groupName", { name, count: c.memberCount }) : name,
    initial: initialOf(name),
    avatar: mediaUrl(avatarOf(c)),
    preview,
    mention: mentioned ? t("chats.mentioned") : "",
    time: listTime(c.lastMessageAt),
    badge: !c.doNotDisturb && !marked && c.unread > 0 ? (c.unread > 99 ? "99+" : String(c.unread)) : "",
    dot: marked || (c.doNotDisturb && c.unread > 0),
    pinned: c.pinned,
    muted: c.doNotDisturb,
    group: c.kind === "group",
  };
}

function rowsOf(state: ChatState): ChatRow[] {
  // A deleted chat stays out until a newer message, as the server's list leaves it out.
  return state.conversations.filter(isListed).map((c) => rowOf(c, chats.me, mentionsMe(c, state.messages[c.id], chats.me)));
}

/** One entry of the long-press menu; `key` names the action (and the entry's id in the page). */
export interface MenuItem {
  key: "unread" | "read" | "pin" | "unpin" | "mute" | "unmute" | "delete";
  label: string;
}

/** The long-press menu of a chat, in WeChat's order: mark unread or read, pin, mute, delete. */
export function menuItems(c: ConversationSummary): MenuItem[] {
  const unread = c.unread > 0 || c.markedUnread === true;
  const items: MenuItem[] = [
    unread ? { key: "read", label: t("chats.markRead") } : { key: "unread", label: t("chats.markUnread") },
    c.pinned ? { key: "unpin", label: t("chats.unpin") } : { key: "pin", label: t("chats.pin") },
    c.doNotDisturb ? { key: "unmute", label: t("chats.unmute") } : { key: "mute", label: t("chats.mute") },
    { key: "delete", label: t("chats.delete") },
  ];
  return items;
}

/** The menu's size as its WXSS draws it, to keep it on screen near the finger. */
const MENU_WIDTH = 168;
const MENU_ITEM_HEIGHT = 48;
const MENU_MARGIN = 8;

function windowSize(): { width: number; height: number } {
  try {
    const info = typeof wx.getWindowInfo === "function" ? wx.getWindowInfo() : wx.getSystemInfoSync();
    if (info.windowWidth > 0 && info.windowHeight > 0) return { width: info.windowWidth, height: info.windowHeight };
  } catch {
    // not available (old base library): a phone's size will do
  }
  return { width: 375, height: 667 };
}

/**
 * Where the menu opens: at the press point, moved left or up when it would leave the window
 * (WeChat opens it above the finger near the bottom of the screen).
 */
export function menuPosition(x: number, y: number, items: number, win = windowSize()): { left: number; top: number } {
  const height = items * MENU_ITEM_HEIGHT;
  const left = Math.max(MENU_MARGIN, Math.min(x, win.width - MENU_WIDTH - MENU_MARGIN));
  const top = y + height + MENU_MARGIN > win.height ? Math.max(MENU_MARGIN, y - height) : y;
  return { left: Math.round(left), top: Math.round(top) };
}

/** The press point of a long-press: the touch's position in the window. */
function pressPoint(e: WechatMiniprogram.BaseEvent): { x: number; y: number } {
  type Point = { clientX: number; clientY: number };
  const press = e as unknown as { touches?: Point[]; changedTouches?: Point[]; detail?: { x?: number; y?: number } };
  const touch = press.touches?.[0] ?? press.changedTouches?.[0];
  if (touch) return { x: touch.clientX, y: touch.clientY };
  return { x: press.detail?.x ?? 0, y: press.detail?.y ?? 0 };
}

interface RowMenu {
  id: string;
  left: number;
  top: number;
  items: MenuItem[];
}

Component({
  behaviors: [errorTips, localized(strings, "chats.title")],
  data: {
    rows: [] as ChatRow[],
    connection: "",
    loaded: false,
    picking: false,
    /** The long-press menu while it is open. */
    menu: null as RowMenu | null,
    /** A web session is signed in: WeChat's bar above the list. */
    webSignedIn: false,
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
      // Cheap: the answer is kept for a minute (services/devices.ts).
      webSessionLive().then(
        (live) => live !== this.data.webSignedIn && this.setData({ webSignedIn: live }),
        () => undefined,
      );
    },

    onOpenDevices() {
      wx.navigateTo({ url: "/pages/devices/index" });
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

    /** Long-press on a chat: WeChat's small menu at the press point. */
    onRowMenu(e: WechatMiniprogram.BaseEvent) {
      const id = (e.currentTarget.dataset as { id?: string }).id;
      const c = id ? chats.conversation(id) : undefined;
      if (!c) return;
      const items = menuItems(c);
      const { x, y } = pressPoint(e);
      this.setData({ menu: { id: c.id, ...menuPosition(x, y, items.length), items } });
    },

    onMenuClose() {
      this.setData({ menu: null });
    },

    onMenuItem(e: WechatMiniprogram.BaseEvent) {
      const key = (e.currentTarget.dataset as { key?: MenuItem["key"] }).key;
      const id = this.data.menu?.id;
      this.setData({ menu: null });
      const c = id ? chats.conversation(id) : undefined;
      if (!c || !key) return;
      const failed = (err: unknown) => this.showError(err);
      switch (key) {
        case "unread":
          chats.markUnread(c.id, true).catch(failed);
          return;
        case "read":
          // Only the mark to take off: no read to report. Unread messages: read them, which clears the mark too.
          if (markedOnly(c)) chats.markUnread(c.id, false).catch(failed);
          else chats.markRead(c.id);
          return;
        case "pin":
        case "unpin":
          chats.setFlags(c.id, { pinned: key === "pin" }).catch(failed);
          return;
        case "mute":
        case "unmute":
          chats.setFlags(c.id, { doNotDisturb: key === "mute" }).catch(failed);
          return;
        case "delete":
          this.confirmDelete(c.id);
          return;
      }
    },

    /** WeChat asks first: deleting a chat also clears its history (for this user, on every device). */
    confirmDelete(id: string) {
      wx.showModal({
        title: "",
        content: t("chats.deleteConfirm"),
        cancelText: t("common.cancel"),
        confirmText: t("chats.deleteButton"),
        confirmColor: "#FA5151",
        success: (res) => {
          if (res.confirm) chats.clearChat(id).catch((err: unknown) => this.showError(err));
        },
      });
    },

    onPlus() {
      wx.showActionSheet({
        itemList: [t("chats.newGroup"), t("chats.scan"), t("chats.faceToFace")],
        success: (res) => {
          if (res.tapIndex === 0) this.setData({ picking: true });
          if (res.tapIndex === 1) this.onScan();
          if (res.tapIndex === 2) wx.navigateTo({ url: "/pages/face-to-face/index" });
        },
      });
    },

    /** Scan: a web sign-in code opens its confirmation, anything else the Join page (which reads invites). */
    onScan() {
      wx.scanCode({
        onlyFromCamera: false,
        scanType: ["qrCode"],
        success: (res) => wx.navigateTo({ url: pageForScanned(res.result) }),
        fail: () => undefined,
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
