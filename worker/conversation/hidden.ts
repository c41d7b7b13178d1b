// "Delete for me": a member hides a message from themself, on every device they use. The rows
// live in the object's own SQLite (hidden_messages); history, catch-up and one-message reads
// leave a member's hidden seqs out for that member only (hiddenFor), and everyone else still sees
// the message. The route tells the member's other devices with a `hidden` frame. "Delete chat"
// (clearChat below) is the same for everything up to a seq, kept as the member's first visible seq.
import { and, eq } from "drizzle-orm";
import { hiddenMessages, members, messages } from "../../schema/conversation";
import { memberships } from "../../schema/d1";
import { clearRead } from "../data/summaries";
import { db as d1 } from "../db";
import { ApiError } from "../lib/errors";
import type { ConversationState } from "./state";

/** Hides one message the member can read from that member; hiding it again changes nothing. */
export function hide(s: ConversationState, userId: string, seq: number): { seq: number } {
  s.requireMeta();
  const member = s.requireMember(userId);
  const row = s.sql.select({ seq: messages.seq }).from(messages).where(eq(messages.seq, seq)).get();
  if (!row || seq < member.visibleFromSeq) throw new ApiError("not_found", "No such message");
  s.sql.insert(hiddenMessages).values({ userId, seq, hiddenAt: Date.now() }).onConflictDoNothing().run();
  return { seq };
}

/** The seqs `userId` has hidden, as a subquery for `notInArray(messages.seq, …)`: the one way reads learn of them. */
export function hiddenFor(s: ConversationState, userId: string) {
  return s.sql.select({ seq: hiddenMessages.seq }).from(hiddenMessages).where(eq(hiddenMessages.userId, userId));
}

export function isHiddenFor(s: ConversationState, userId: string, seq: number): boolean {
  return (
    s.sql
      .select({ seq: hiddenMessages.seq })
      .from(hiddenMessages)
      .where(and(eq(hiddenMessages.userId, userId), eq(hiddenMessages.seq, seq)))
      .get() !== undefined
  );
}

/**
 * "Delete chat" for one member (WeChat's 删除该聊天): everything up to `seq` (at most the last
 * message) leaves their history for good, as if they had joined after it. Their first visible seq
 * is raised, so history, catch-up, search, one-message reads, quotes and media follow the one
 * rule newcomers to a group already obey; the chat counts as read, and D1 records the cleared seq
 * so their list leaves it out until a newer message. D1 first (the read position in the summary
 * shard, then the cleared seq: a failed write changes nothing here), then this object's row.
 * Never moves back.
 */
export async function clearChat(s: ConversationState, userId: string, seq: number): Promise<{ clearedSeq: number }> {
  const m = s.requireMeta();
  const member = s.requireMember(userId);
  const through = Math.min(seq, s.lastSeq);
  if (through < member.visibleFromSeq) return { clearedSeq: member.visibleFromSeq - 1 };
  const visibleFromSeq = through + 1;
  const where = and(eq(memberships.conversationId, m.id), eq(memberships.userId, userId));
  // The read position (and the mark) in the summary shard first: raising it is harmless if the
  // cleared seq below then fails, while a cleared chat still counting unread would not be.
  await clearRead(s.env, m.id, userId, through);
  await d1(s.env).update(memberships).set({ clearedSeq: through, visibleFromSeq }).where(where);
  s.sql.update(members).set({ visibleFromSeq }).where(eq(members.userId, userId)).run();
  member.visibleFromSeq = visibleFromSeq;
  s.latestVisibleFrom = Math.max(s.latestVisibleFrom, visibleFromSeq);
  // Read through it (and the unread mark off): the same path as any read, so other members'
  // receipts and this member's devices hear of it as they hear of reads.
  s.fanout.markRead(userId, through);
  return { clearedSeq: through };
}
