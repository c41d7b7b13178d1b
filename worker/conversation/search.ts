// Message search inside one conversation: the query over its FTS5 index (search-index.ts) with
// its filters, and history around one message. What a
// member may find is what history shows them: from their first visible seq, never a recalled
// message, quotes as quoteSeenBy shows them (toMessage). See docs/search.md.
import { isHiddenFor } from "./hidden";
import type { MessageRow } from "../../schema/conversation";
import { SEARCH_LIMITS } from "../../schema/limits";
import type { HistoryPage, MessageType } from "../../schema/protocol";
import type { ChatSearchResult, MessageSearchQuery, SearchHit } from "../../schema/search";
import { ApiError } from "../lib/errors";
import { matchExpression, searchableText, snippetOf } from "../lib/search-terms";
import { history, quotes, toMessage } from "./log";
import { backfill } from "./search-index";
import type { ConversationState } from "./state";

const KINDS: Record<NonNullable<MessageSearchQuery["kind"]>, MessageType[]> = {
  text: ["text"],
  media: ["image", "video"],
  file: ["file"],
  link: ["text"],
  location: ["location"],
};

// ---- the query ----------------------------------------------------------------------------

/**
 * The caller's matches, newest first: `limit` of them below `before`, their count, and the seq
 * to pass as `before` for more. With no `q`, the filters alone pick the messages (a kind, a
 * sender, a day).
 */
export async function search(s: ConversationState, userId: string, q: MessageSearchQuery): Promise<ChatSearchResult> {
  const m = s.requireMeta();
  const member = s.requireMember(userId);
  await backfill(s);
  const match = q.q === undefined ? null : matchExpression(q.q);
  if (q.q !== undefined && match === null) throw new ApiError("invalid_request", "Search for at least one letter, digit or character");
  if (match === null && !q.kind && !q.senderId && q.since === undefined && q.until === undefined) throw new ApiError("invalid_request", "Give a query or a filter");

  // Every rule is one condition here; the same rules as history (log.ts).
  const where: string[] = ["m.seq >= ?", "m.recalled_at IS NULL", "m.type != 'system'"];
  const args: (string | number)[] = [member.visibleFromSeq];
  // Messages the caller deleted for themselves ("delete for me", hidden.ts) are never found.
  where.push("m.seq NOT IN (SELECT seq FROM hidden_messages WHERE user_id = ?)"), args.push(userId);
  if (match !== null) where.push("message_search MATCH ?"), args.push(match);
  if (q.before !== undefined) where.push("m.seq < ?"), args.push(q.before);
  if (q.senderId) where.push("m.sender_id = ?"), args.push(q.senderId);
  if (q.direction === "sent") where.push("m.sender_id = ?"), args.push(userId);
  if (q.direction === "received") where.push("m.sender_id != ?"), args.push(userId);
  if (q.since !== undefined) where.push("m.created_at >= ?"), args.push(q.since);
  if (q.until !== undefined) where.push("m.created_at < ?"), args.push(q.until);
  if (q.kind) {
    const types = KINDS[q.kind];
    where.push(`m.type IN (${types.map(() => "?").join(", ")})`), args.push(...types);
    if (q.kind === "link") where.push("m.body LIKE '%://%'");
  }
  // CROSS JOIN keeps the index as the outer loop: SQLite could otherwise walk the messages (say,
  // by a filter) and test each one against MATCH.
  const from = match === null ? "messages m" : "message_search CROSS JOIN messages m ON m.seq = message_search.rowid";
  const cond = where.join(" AND ");
  const limit = q.limit ?? SEARCH_LIMITS.pageDefault;
  const sql = s.ctx.storage.sql;
  const order = match === null ? "m.seq" : "message_search.rowid";
  const rows = sql.exec(`SELECT m.* FROM ${from} WHERE ${cond} ORDER BY ${order} DESC LIMIT ?`, ...args, limit + 1).toArray();
  const more = rows.length > limit;
  const page = rows.slice(0, limit).map(fromSql);
  const total = q.before === undefined ? sql.exec<{ n: number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${from} WHERE ${cond} LIMIT ?)`, ...args, SEARCH_LIMITS.countCap).one().n : null;
  const quoted = quotes(s, page);
  const hits: SearchHit[] = page.map((r) => {
    const message = toMessage(s, r, quoted, member.visibleFromSeq);
    const text = searchableText(r.type as MessageType, message.body as Record<string, unknown> | null) ?? "";
    return { message, ...(q.q !== undefined ? snippetOf(text, q.q) : { snippet: text.slice(0, SEARCH_LIMITS.snippetChars), highlights: [] }) };
  });
  return { conversationId: m.id, total, hits, nextBefore: more ? page.at(-1)!.seq : null };
}

/** Raw SQL rows use column names; toMessage wants the Drizzle row. */
function fromSql(r: Record<string, SqlStorageValue>): MessageRow {
  return {
    seq: r.seq as number,
    id: r.id as string,
    senderId: r.sender_id as string,
    clientId: r.client_id as string | null,
    type: r.type as string,
    body: r.body as string | null,
    mentions: r.mentions as string | null,
    mentionAll: r.mention_all === 1,
    replyTo: r.reply_to as number | null,
    forwarded: r.forwarded as string | null,
    createdAt: r.created_at as number,
    recalledAt: r.recalled_at as number | null,
    recalledBy: r.recalled_by as string | null,
  };
}

// ---- history around one message -------------------------------------------------------------

/**
 * The page a search result opens: up to `limit` messages centred on `seq`, ascending, by the
 * same history() rules (the first visible seq, quotes). `hasMore` says whether older messages
 * exist; newer ones exist while the last seq is below `lastSeq`.
 */
export function around(s: ConversationState, userId: string, seq: number, limit: number): HistoryPage {
  const member = s.requireMember(userId);
  if (seq < member.visibleFromSeq || seq > s.lastSeq || isHiddenFor(s, userId, seq)) throw new ApiError("not_found", "No such message");
  const older = history(s, userId, { before: seq + 1, limit: Math.ceil(limit / 2) });
  const newer = history(s, userId, { after: seq, limit: Math.floor(limit / 2) });
  return { messages: [...older.messages, ...newer.messages], hasMore: older.hasMore, lastSeq: s.lastSeq };
}
