// The chat page's menus: long-press on a bubble opens WeChat's dark menu (components/bubble-menu)
// above it: Copy, Forward (the chat picker), Quote, Select (multi-select), Recall, Report, Delete;
// a tap on someone's avatar in a group offers Mention, Send Message, Add to Contacts in an action
// sheet. Which actions a message offers and where the menu goes are pure rules (bubbleActions,
// menuPlacement); the rest runs on the page it is given, so each chat page keeps its own reply,
// mentions, forwarding and selection.
import type { ConversationSummary } from "../../../schema/protocol";
import { CONTACT_LIMITS, MESSAGE_LIMITS } from "../../generated/limits";
import { chats, type LocalMessage } from "../../services/chats";
import { listContacts, sendFriendRequest } from "../../services/contacts";
import { previewOf } from "../../services/format";
import { openDirect } from "../../services/groups";
import { reportMessage } from "../../services/reports";
import { session } from "../../services/session";
import { t } from "../../i18n/index";
import { keyOf, type Bubble, type Member } from "./bubbles";
import { ACTION_LABEL } from "./strings";

/** What the menus need of the chat page. */
export interface MenuHost {
  readonly data: {
    id: string;
    group: boolean;
    dissolved: boolean;
    muted: string;
    draft: string;
    mentions: string[];
    bubbles: Bubble[];
    members: Member[];
    forwarding: number;
    forwardSeqs: number[];
    menu: BubbleMenu;
    nav: { bottom: number; windowWidth: number };
  };
  setData(patch: Record<string, unknown>): void;
  names(): Record<string, string>;
  summary(): ConversationSummary | undefined;
  showError(err: unknown): void;
  createSelectorQuery(): WechatMiniprogram.SelectorQuery;
}

export type BubbleAction = "Copy" | "Forward" | "Reply" | "Select" | "Recall" | "Report" | "Delete";

/** Each action's icon in the dark menu (WeUI's icon set). */
const ACTION_ICON: Record<BubbleAction, string> = {
  Copy: "copy",
  Forward: "share",
  Reply: "comment",
  Select: "done2",
  Recall: "refresh",
  Report: "info",
  Delete: "delete",
};

/** The long-press menu as the page draws it (components/bubble-menu). */
export interface BubbleMenu {
  show: boolean;
  key: string;
  items: Array<{ id: BubbleAction; label: string; icon: string }>;
  left: number;
  top: number;
  width: number;
  arrowX: number;
  below: boolean;
}

export const CLOSED_MENU: BubbleMenu = { show: false, key: "", items: [], left: 0, top: 0, width: 0, arrowX: 0, below: false };

/**
 * The long-press menu of one message: Copy for text; Forward, Reply (WeChat's Quote) and Recall once
 * the server has it (Recall: mine within the recall window; the owner anything, admins members'
 * messages, at any time); Select (multi-select) always; Report for other people's messages; Delete
 * (for me) always.
 */
export function bubbleActions(bubble: Bubble, message: LocalMessage, opts: { summary: ConversationSummary | undefined; senderRole: string; now: number }): BubbleAction[] {
  const actions: BubbleAction[] = [];
  if (bubble.type === "text") actions.push("Copy");
  if (message.seq) actions.push("Forward", "Reply");
  actions.push("Select");
  if (message.seq) {
    const withinLimit = opts.now - message.createdAt < MESSAGE_LIMITS.recallWindowMs;
    const s = opts.summary;
    const canModerate = s?.kind === "group" && (s.role === "owner" || (s.role === "admin" && opts.senderRole === "member"));
    if ((bubble.mine && withinLimit) || (!bubble.mine && canModerate)) actions.push("Recall");
    if (!bubble.mine) actions.push("Report");
  }
  actions.push("Delete");
  return actions;
}

/** The menu's item box (px), items per row, and the arrow's height. */
export const MENU_ITEM = 56;
export const MENU_PER_ROW = 5;
const MENU_PADDING = 8;
const MENU_ARROW = 8;
const EDGE = 8;

export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/**
 * Where the menu goes, as in WeChat: centred over the bubble and above it, below it when the space
 * between the navigation bar (`view.top`) and the bubble is too small; kept inside the window, the
 * arrow pointing at the bubble's middle.
 */
export function menuPlacement(bubble: Rect, count: number, view: { top: number; width: number }): Pick<BubbleMenu, "left" | "top" | "width" | "arrowX" | "below"> {
  const columns = Math.max(1, Math.min(count, MENU_PER_ROW));
  const rows = Math.max(1, Math.ceil(count / MENU_PER_ROW));
  const width = columns * MENU_ITEM + 2 * MENU_PADDING;
  const height = rows * MENU_ITEM + 2 * MENU_PADDING;
  const centre = (bubble.left + bubble.right) / 2;
  const left = Math.round(Math.max(EDGE, Math.min(centre - width / 2, view.width - width - EDGE)));
  const below = bubble.top - MENU_ARROW - height < view.top;
  const top = Math.round(below ? bubble.bottom + MENU_ARROW : bubble.top - MENU_ARROW - height);
  const arrowX = Math.round(Math.max(16, Math.min(centre - left, width - 16)));
  return { left, top, width, arrowX, below };
}

/** The bubble's box on screen, or (no layout to ask, as in tests) the point the finger pressed. */
function bubbleRect(host: MenuHost, key: string, touch: { x: number; y: number }): Promise<Rect> {
  const fallback = { left: touch.x, right: touch.x, top: touch.y, bottom: touch.y };
  return new Promise((resolve) => {
    try {
      host
        .createSelectorQuery()
        .select(`#b-${key}`)
        .boundingClientRect((rect) => {
          const r = rect as WechatMiniprogram.BoundingClientRectCallbackResult | null;
          resolve(r && r.width > 0 ? { left: r.left, top: r.top, right: r.right, bottom: r.bottom } : fallback);
        })
        .exec();
    } catch {
      resolve(fallback);
    }
  });
}

/** The message behind a bubble key, if it can have a menu (not a system note nor recalled). */
function menuTarget(host: MenuHost, key: string): { bubble: Bubble; message: LocalMessage } | null {
  const bubble = host.data.bubbles.find((b) => b.key === key);
  const message = (chats.store.get().messages[host.data.id] ?? []).find((m) => keyOf(m) === key);
  if (!bubble || !message || bubble.system || bubble.recalled) return null;
  return { bubble, message };
}

/** Long-press on the bubble with this key: the dark menu opens above (or below) it. */
export async function showBubbleMenu(host: MenuHost, key: string, touch: { x: number; y: number } = { x: 0, y: 0 }): Promise<void> {
  const target = menuTarget(host, key);
  if (!target) return;
  const senderRole = host.data.members.find((x) => x.userId === target.message.senderId)?.role ?? "member";
  const actions = bubbleActions(target.bubble, target.message, { summary: host.summary(), senderRole, now: Date.now() });
  const items = actions.map((id) => ({ id, label: t(ACTION_LABEL[id]), icon: ACTION_ICON[id] }));
  const rect = await bubbleRect(host, key, touch);
  const place = menuPlacement(rect, items.length, { top: host.data.nav.bottom, width: host.data.nav.windowWidth });
  host.setData({ menu: { show: true, key, items, ...place } satisfies BubbleMenu });
}

/** An item of the open menu was tapped: the menu closes and the action runs on its message. */
export function runBubbleAction(host: MenuHost, action: string): void {
  const key = host.data.menu.key;
  host.setData({ menu: CLOSED_MENU });
  const target = menuTarget(host, key);
  if (!target) return;
  const { bubble, message } = target;
  const id = host.data.id;
  const run: Record<BubbleAction, () => Promise<unknown> | void> = {
    Copy: () => wx.setClipboardData({ data: String((message.body as { text?: string }).text ?? "") }),
    Reply: () => host.setData({ replyTo: { seq: message.seq, text: t("chat.quote", { who: bubble.mine ? t("chat.you") : (host.names()[message.senderId] ?? ""), text: previewOf(message) }) } }),
    // The chat picker opens; the message goes to every chat picked (up to nine), in one call.
    Forward: () => host.setData({ forwarding: message.seq }),
    Select: () => host.setData({ selecting: true, selected: { [key]: true }, selectedCount: 1 }),
    Recall: () => chats.recall(id, message.seq),
    Report: () => reportMessage(id, message.seq),
    Delete: () => chats.deleteForMe(id, { seq: message.seq || undefined, clientId: message.clientId ?? undefined }),
  };
  const fn = (run as Record<string, (() => Promise<unknown> | void) | undefined>)[action];
  if (fn) Promise.resolve(fn()).catch((err: unknown) => host.showError(err));
}

/** Shows an action sheet and runs the action picked; a failure is shown on the page. */
function actionSheet(host: Pick<MenuHost, "showError">, actions: Array<[string, () => Promise<unknown> | void]>): void {
  wx.showActionSheet({
    itemList: actions.map((a) => a[0]),
    success: (res) => {
      const run = actions[res.tapIndex]?.[1];
      if (run) Promise.resolve(run()).catch((err: unknown) => host.showError(err));
    },
  });
}

/**
 * The chat picker confirmed: forward the message being forwarded, or the messages picked in
 * multi-select one by one (oldest first, as WeChat's 逐条转发), to the chats picked.
 */
export function forwardTo(host: MenuHost, conversationIds: string[]): void {
  const seqs = host.data.forwarding ? [host.data.forwarding] : host.data.forwardSeqs;
  host.setData({ forwarding: 0, forwardSeqs: [] });
  if (!seqs.length) return;
  (async () => {
    let failed = 0;
    for (const seq of seqs) failed += (await chats.forward(host.data.id, seq, conversationIds)).filter((r) => !r.ok).length;
    wx.showToast({ title: failed ? t("chat.forwardFailed", { n: failed }) : t("chat.forwardSent"), icon: failed ? "none" : "success" });
  })().catch((err: unknown) => host.showError(err));
}

/**
 * Tapping someone's avatar in a group, as in WeChat: mention them, message them if they are a
 * friend, or ask to add them (the greeting says which group we share).
 */
export async function showAvatarMenu(host: MenuHost, userId: string): Promise<void> {
  const name = host.names()[userId] ?? "";
  let friend: boolean;
  try {
    friend = (await listContacts()).friends.some((f) => f.user.id === userId);
  } catch (err) {
    host.showError(err);
    return;
  }
  const actions: Array<[string, () => Promise<unknown> | void]> = [];
  if (!host.data.dissolved && !host.data.muted) {
    actions.push([t("chat.mention", { name }), () => host.setData({ draft: `${host.data.draft}@${name} `, mentions: [...new Set([...host.data.mentions, userId])] })]);
  }
  if (friend) {
    actions.push([t("chat.sendMessage"), async () => wx.navigateTo({ url: `/pages/chat/index?id=${(await openDirect(userId)).id}` })]);
  } else {
    const me = session.get().user?.nickname ?? "";
    const group = host.summary()?.name ?? "";
    actions.push([
      t("chat.addContact"),
      async () => {
        await sendFriendRequest(userId, t("chat.greeting", { name: me, group }).slice(0, CONTACT_LIMITS.greetingChars));
        wx.showToast({ title: t("chat.requestSent"), icon: "success" });
      },
    ]);
  }
  actionSheet(host, actions);
}
