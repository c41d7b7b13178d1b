// Development only (the benchmark, docs/performance.md#search): stores many text messages at once
// from one member, bypassing the send rate limit, each indexed as a send would be. Reached through
// POST /dev/conversations/:id/seed, which answers 404 unless ENVIRONMENT is "development".
import { messages, type MessageRow } from "../../schema/conversation";
import { newId } from "../lib/ids";
import { preview } from "./log";
import { indexMessage } from "./search-index";
import type { ConversationState } from "./state";

export function seed(s: ConversationState, userId: string, texts: { text: string; at: number }[]): { lastSeq: number } {
  s.requireOpen();
  s.requireMember(userId);
  let last: MessageRow | null = null;
  s.ctx.storage.transactionSync(() => {
    for (const { text, at } of texts) {
      const row: MessageRow = {
        seq: s.lastSeq + 1,
        id: newId("m"),
        senderId: userId,
        clientId: null,
        type: "text",
        body: JSON.stringify({ text }),
        mentions: null,
        mentionAll: false,
        replyTo: null,
        forwarded: null,
        createdAt: at,
        recalledAt: null,
        recalledBy: null,
      };
      s.sql.insert(messages).values(row).run();
      indexMessage(s, row);
      s.lastSeq = row.seq;
      last = row;
    }
  });
  if (last) s.lastPreview = preview(last);
  s.fanout.summaryDirty = true;
  s.fanout.kick();
  return { lastSeq: s.lastSeq };
}
