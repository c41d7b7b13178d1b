// The chat page's menus: long-press on a bubble (Copy, Reply, Forward, Recall, Delete; Forward
// opens the chat picker) and a tap on someone's avatar in a group (Mention, Send Message, Add to
// Contacts). Which actions a message offers is a pure rule (bubbleActions); the rest runs on the
// page it is given, so each chat page keeps its own reply, mentions and forwarding.
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
  readonly data: { id: string; group: boolean; dissolved: boolean; muted: string; draft: string; mentions: string[]; bubbles: Bubble[]; members: Member[]; forwarding: number };
  setData(patch: Record<string, unknown>): void;
  names(): Record<string, string>;
  summary(): ConversationSummary | undefined;
  showError(err: unknown): void;
}

export type BubbleAction = "Copy" | "Reply" | "Forward" | "Recall" | "Report" | "Delete";

/**
 * The long-press menu of one message: Copy for text; Reply, Forward and Recall once the server
 * has it (Recall: mine within the recall window; the owner anything, admins members' messages, at
 * any time); Report for other people's messages; Delete always.
 */
export function bubbleActions(bubble: Bubble, message: LocalMessage, opts: { summary: ConversationSummary | undefined; senderRole: string; now: number }): BubbleAction[] {
  const actions: BubbleAction[] = [];
  if (bubble.type === "text") actions.push("Copy");
  if (message.seq) {
    actions.push("Reply", "Forward");
    const withinLimit = opts.now - message.createdAt < MESSAGE_LIMITS.recallWindowMs;
    const s = opts.summary;
    const canModerate = s?.kind === "group" && (s.role === "owner" || (s.role === "admin" && opts.senderRole === "member"));
    if ((bubble.mine && withinLimit) || (!bubble.mine && canModerate)) actions.push("Recall");
    if (!bubble.mine) actions.push("Report");
  }
  actions.push("Delete");
  return actions;
}

/** Shows an action sheet and runs the action picked; a failure is shown on the page. */
function actionSheet(host: MenuHost, actions: Array<[string, () => Promise<unknown> | void]>): void {
  wx.showActionSheet({
    itemList: actions.map((a) => a[0]),
    success: (res) => {
      const run = actions[res.tapIndex]?.[1];
      if (run) Promise.resolve(run()).catch((err: unknown) => host.showError(err));
    },
  });
}

/** Long-press on the bubble with this key. */
export function showBubbleMenu(host: MenuHost, key: string): void {
  const id = host.data.id;
  const bubble = host.data.bubbles.find((b) => b.key === key);
  const message = (chats.store.get().messages[id] ?? []).find((m) => keyOf(m) === key);
  if (!bubble || !message || bubble.system || bubble.recalled) return;
  const senderRole = host.data.members.find((x) => x.userId === message.senderId)?.role ?? "member";
  const run: Record<BubbleAction, () => Promise<unknown> | void> = {
    Copy: () => wx.setClipboardData({ data: String((message.body as { text?: string }).text ?? "") }),
    Reply: () => host.setData({ replyTo: { seq: message.seq, text: t("chat.quote", { who: bubble.mine ? t("chat.you") : (host.names()[message.senderId] ?? ""), text: previewOf(message) }) } }),
    // The chat picker opens; the message goes to every chat picked (up to nine), in one call.
    Forward: () => host.setData({ forwarding: message.seq }),
    Recall: () => chats.recall(id, message.seq),
    Report: () => reportMessage(id, message.seq),
    Delete: () => chats.deleteForMe(id, { seq: message.seq || undefined, clientId: message.clientId ?? undefined }),
  };
  actionSheet(
    host,
    bubbleActions(bubble, message, { summary: host.summary(), senderRole, now: Date.now() }).map((a) => [t(ACTION_LABEL[a]), run[a]]),
  );
}

/** The chat picker confirmed: forward the message being forwarded to the chats picked. */
export function forwardTo(host: MenuHost, conversationIds: string[]): void {
  const seq = host.data.forwarding;
  host.setData({ forwarding: 0 });
  if (!seq) return;
  chats.forward(host.data.id, seq, conversationIds).then(
    (results) => {
      const ok = results.every((r) => r.ok);
      wx.showToast({ title: ok ? t("chat.forwardSent") : t("chat.forwardFailed", { n: results.filter((r) => !r.ok).length }), icon: ok ? "success" : "none" });
    },
    (err: unknown) => host.showError(err),
  );
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
