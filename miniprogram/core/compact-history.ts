// Decodes the compact history page (schema/compact-history.ts) back into the full page the sync
// engine works with. The worker encodes it (worker/lib/compact-history.ts) when the request says
// `format=compact`; a page in the full form passes through unchanged, so a server without the
// compact form still works.
import type { CompactHistoryPage } from "../../schema/compact-history";
import type { HistoryPage, Message } from "../../schema/protocol";

export function decodeHistoryPage(page: CompactHistoryPage | HistoryPage): HistoryPage {
  if (!("format" in page) || page.format !== "compact") return page as HistoryPage;
  let seq = -1;
  let at = 0;
  const messages = page.messages.map((c): Message => {
    seq = c.q ?? seq + 1;
    at += c.d;
    const senderId = page.senders[c.u];
    if (senderId === undefined) throw new Error(`compact history: no sender ${c.u}`);
    return {
      conversationId: page.conversationId,
      seq,
      id: c.i,
      senderId,
      clientId: c.c ?? null,
      type: c.t ?? "text",
      body: c.b ?? null,
      mentions: c.m ?? [],
      mentionAll: c.a === 1,
      replyTo: c.r ?? null,
      forwarded: c.f ?? null,
      createdAt: at,
      recalledAt: c.x ?? null,
      recalledBy: c.y ?? null,
    };
  });
  return { messages, hasMore: page.hasMore, lastSeq: page.lastSeq };
}
