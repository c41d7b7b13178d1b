// Whether a member was mentioned in what they have not read: notices (services/notice-sender.ts)
// spend a nearly empty bank on mentions and direct messages first. Asked off the send path, by
// the per-minute notice run, for the few members who are offline with unread activity.
import type { ConversationState } from "./state";

export function mentionedSince(s: ConversationState, userId: string, afterSeq: number): boolean {
  if (!s.meta || !s.members.has(userId)) return false;
  const hit = s.ctx.storage.sql
    .exec("SELECT 1 FROM messages WHERE seq > ? AND sender_id != ? AND recalled_at IS NULL AND (mention_all = 1 OR instr(mentions, ?) > 0) LIMIT 1", afterSeq, userId, JSON.stringify(userId))
    .toArray();
  return hit.length > 0;
}
