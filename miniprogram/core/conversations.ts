// The device side of the `conversation` frame: a patch of one chat's summary that the server
// sends when the summary changed outside the message log (a group's grid avatar; the user's own
// unread mark, pin, do-not-disturb and "delete chat", made on another device). Pure logic, no wx:
// services/chats.ts applies the result to its store, so every device's list follows at once.
import type { ConversationSummary, ServerFrame } from "../../schema/protocol";

export type ConversationChanges = Extract<ServerFrame, { type: "conversation" }>["changes"];

/** The summary after `changes`: only the fields the frame carries move; the rest stays as held. */
export function applyConversationChanges(summary: ConversationSummary, changes: ConversationChanges): ConversationSummary {
  const next: ConversationSummary = { ...summary };
  if (changes.avatarMediaId !== undefined) next.avatarMediaId = changes.avatarMediaId;
  if (changes.markedUnread !== undefined) next.markedUnread = changes.markedUnread;
  if (changes.pinned !== undefined) next.pinned = changes.pinned;
  if (changes.doNotDisturb !== undefined) next.doNotDisturb = changes.doNotDisturb;
  // Read seqs and cleared seqs only move forward: a late frame cannot bring back what is gone.
  if (changes.readSeq !== undefined) next.readSeq = Math.max(next.readSeq, changes.readSeq);
  if (changes.clearedSeq !== undefined) next.clearedSeq = Math.max(next.clearedSeq ?? 0, changes.clearedSeq);
  if (changes.unread !== undefined) next.unread = changes.unread;
  return next;
}

/**
 * Whether the Chats list shows the chat: not while the user has deleted it ("delete chat") and
 * no message came after, as the server's list leaves it out too.
 */
export function isListed(summary: ConversationSummary): boolean {
  const cleared = summary.clearedSeq ?? 0;
  return cleared === 0 || summary.lastSeq > cleared;
}

/**
 * WeChat's dot for a chat marked unread with nothing new in it: a red dot instead of the "1"
 * the server's count implies. A chat marked unread that has new messages shows their count.
 */
export function markedOnly(summary: ConversationSummary): boolean {
  return summary.markedUnread === true && summary.lastSeq <= summary.readSeq;
}
