// Everyone's read position in one conversation (GET /conversations/:id/receipts).
import type { MemberRow } from "../../schema/conversation";
import type { ConversationState } from "./state";

/** Everyone's read position: direct chats show "read", groups count readers per message. */
export function receipts(s: ConversationState, userId: string): { reads: { userId: string; seq: number }[]; lastSeq: number } {
  s.requireMeta();
  s.requireMember(userId);
  return { reads: [...s.members.values()].map((m: MemberRow) => ({ userId: m.userId, seq: m.readSeq })), lastSeq: s.lastSeq };
}
