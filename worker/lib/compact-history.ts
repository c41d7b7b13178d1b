// Encodes a history page in the compact form of schema/compact-history.ts (the client asked with
// `format=compact`): each sender once, the conversation id once, defaults left out, seq and time
// as steps from the message before. The mini-program decodes it (miniprogram/core/compact-history.ts).
import type { CompactHistoryPage, CompactMessage } from "../../schema/compact-history";
import type { HistoryPage } from "../../schema/protocol";

export function compactPage(conversationId: string, page: HistoryPage): CompactHistoryPage {
  const senders: string[] = [];
  const index = new Map<string, number>();
  let seq = -1;
  let at = 0;
  const messages = page.messages.map((m) => {
    let u = index.get(m.senderId);
    if (u === undefined) {
      u = senders.push(m.senderId) - 1;
      index.set(m.senderId, u);
    }
    const c: CompactMessage = { i: m.id, u, d: m.createdAt - at };
    if (m.seq !== seq + 1) c.q = m.seq;
    if (m.clientId !== null) c.c = m.clientId;
    if (m.type !== "text") c.t = m.type;
    if (m.body !== null) c.b = m.body;
    if (m.mentions.length > 0) c.m = m.mentions;
    if (m.mentionAll) c.a = 1;
    if (m.replyTo !== null) c.r = m.replyTo;
    if (m.forwarded !== null) c.f = m.forwarded;
    if (m.recalledAt !== null) c.x = m.recalledAt;
    if (m.recalledBy !== null) c.y = m.recalledBy;
    seq = m.seq;
    at = m.createdAt;
    return c;
  });
  return { format: "compact", conversationId, senders, messages, hasMore: page.hasMore, lastSeq: page.lastSeq };
}
