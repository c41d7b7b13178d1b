// "Delete for me": a member hides a message from themself, on every device they use. The rows
// live in the object's own SQLite (hidden_messages); history, catch-up and one-message reads
// leave a member's hidden seqs out for that member only (hiddenFor), and everyone else still sees
// the message. The route tells the member's other devices with a `hidden` frame.
import { and, eq } from "drizzle-orm";
import { hiddenMessages, messages } from "../../schema/conversation";
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
