// The catch-up's page: history in the compact form (schema/compact-history.ts) written straight
// from SQLite's rows to the JSON text the route sends. A device that was away reads thousands of
// messages a page at a time; mapping each row through the query builder into a full `Message`,
// compacting that, then cloning the objects over the RPC and serialising them in the route was
// most of a page's time (docs/performance.md#catch-up-before-and-after). Raw rows, one string,
// and the route sends it as it is. The rules are history()'s in log.ts (the reader's first visible
// seq, their hidden messages, quotes as quoteSeenBy says); the form is compactPage's
// (worker/lib/compact-history.ts, still used for `around` pages); the history-compact specs check
// that both decode to the full page. Measured slower and left: the whole page in SQLite (window
// functions for the steps and sender indexes), and the page as one row of group_concat lists.
import type { QuotedMessage } from "../../schema/protocol";
import { MESSAGE_LIMITS as L } from "../../schema/limits";
import { quoteSeenBy, quotes } from "./log";
import type { ConversationState } from "./state";

/** Where a page starts: `after` reads forward, otherwise backward from `before` (or the end). */
export interface PageQuery {
  after?: number;
  before?: number;
  limit?: number;
}

/** The page's JSON text and how many messages it holds (the route gzips only pages worth it). */
export interface CompactJson {
  json: string;
  count: number;
}

// SQLite writes each message's fields but the three that depend on the message before it (`u`,
// `d`, `q`) and the quote: its JSON.stringify-stored body, mentions and forwarded go in as they
// are, ids and types through json_quote. A row then crosses into JavaScript as five values instead
// of thirteen: about a fifth less of the isolate's time for a catch-up (docs/performance.md).
const REST = `'"i":' || json_quote(id)
  || CASE WHEN client_id IS NOT NULL THEN ',"c":' || json_quote(client_id) ELSE '' END
  || CASE WHEN type != 'text' THEN ',"t":' || json_quote(type) ELSE '' END
  || CASE WHEN body IS NOT NULL AND body != 'null' THEN ',"b":' || body ELSE '' END
  || CASE WHEN mentions IS NOT NULL AND mentions != '[]' THEN ',"m":' || mentions ELSE '' END
  || CASE WHEN mention_all THEN ',"a":1' ELSE '' END
  || CASE WHEN forwarded IS NOT NULL AND forwarded != 'null' THEN ',"f":' || forwarded ELSE '' END
  || CASE WHEN recalled_at IS NOT NULL THEN ',"x":' || recalled_at ELSE '' END
  || CASE WHEN recalled_by IS NOT NULL THEN ',"y":' || json_quote(recalled_by) ELSE '' END`;
const COLUMNS = `seq, sender_id, created_at, reply_to, ${REST}`;
const NOT_HIDDEN = "seq NOT IN (SELECT seq FROM hidden_messages WHERE user_id = ?)";
const FORWARD = `SELECT ${COLUMNS} FROM messages WHERE seq > ? AND ${NOT_HIDDEN} ORDER BY seq LIMIT ?`;
const BACKWARD = `SELECT ${COLUMNS} FROM messages WHERE seq < ? AND seq >= ? AND ${NOT_HIDDEN} ORDER BY seq DESC LIMIT ?`;

type Row = [seq: number, senderId: string, createdAt: number, replyTo: number | null, rest: string];

/** The compact page for `userId` as JSON text; throws what history() throws (not a member, no conversation). */
export function compactHistoryJson(s: ConversationState, userId: string, q: PageQuery): CompactJson {
  const meta = s.requireMeta();
  const floor = s.requireMember(userId).visibleFromSeq;
  const limit = q.limit ?? L.historyPageDefault;
  const sql = s.ctx.storage.sql;
  // Rows as arrays (raw): no object with named fields per row.
  const cursor = q.after !== undefined ? sql.exec(FORWARD, Math.max(q.after, floor - 1), userId, limit + 1) : sql.exec(BACKWARD, q.before ?? s.lastSeq + 1, floor, userId, limit + 1);
  const rows = Array.from(cursor.raw()) as Row[];
  const hasMore = rows.length > limit;
  if (hasMore) rows.length = limit;
  if (q.after === undefined) rows.reverse();

  // Quotes are rare: read only when the page has replies, through history()'s reader.
  const replies: { replyTo: number }[] = [];
  for (const r of rows) if (r[3] !== null) replies.push({ replyTo: r[3] });
  const quoted: Map<number, QuotedMessage> = replies.length > 0 ? quotes(s, replies) : new Map();

  const senders: string[] = [];
  const index = new Map<string, number>();
  let out = "";
  let seq = -1;
  let at = 0;
  for (let k = 0; k < rows.length; k++) {
    const [rSeq, senderId, createdAt, replyTo, rest] = rows[k]!;
    let u = index.get(senderId);
    if (u === undefined) {
      u = senders.push(senderId) - 1;
      index.set(senderId, u);
    }
    out += `${k > 0 ? "," : ""}{"u":${u},"d":${createdAt - at}${rSeq !== seq + 1 ? `,"q":${rSeq}` : ""},${rest}`;
    const quote = replyTo === null ? undefined : quoted.get(replyTo);
    out += quote ? `,"r":${JSON.stringify(quoteSeenBy(quote, floor))}}` : "}";
    seq = rSeq;
    at = createdAt;
  }
  const json = `{"format":"compact","conversationId":${JSON.stringify(meta.id)},"senders":${JSON.stringify(senders)},"messages":[${out}],"hasMore":${hasMore},"lastSeq":${s.lastSeq}}`;
  return { json, count: rows.length };
}
