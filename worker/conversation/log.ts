// The message log: appending messages (a send, a forward, a system notice), a send's retry
// (same clientId), history pages, one message, quotes and what each reader may see of them,
// and recall. Appending stores the row and hands its frame to the fan-out (fanout.ts); the
// send path stays synchronous after the direct-chat check so a text message costs no await.
import { and, asc, desc, eq, gt, gte, inArray, lt, notInArray } from "drizzle-orm";
import { messages, type MessageRow } from "../../schema/conversation";
import { MESSAGE_LIMITS as L } from "../../schema/limits";
import type { Ack, HistoryPage, Message, MessagePreview, MessageType, QuotedMessage, SendInput, ServerFrame, SystemEvent } from "../../schema/protocol";
import { ApiError } from "../lib/errors";
import { canonicalJson } from "../lib/canonical-json";
import { newId } from "../lib/ids";
import { previewText } from "../lib/preview";
import { inChunks } from "../lib/sql";
import { cardOf } from "../data/contacts";
import { checkForwardMedia, checkMessageMedia, dropRefs, existingMedia, mediaIdsOf, recordRefs } from "../data/media";
import { db as d1 } from "../db";
import { afterSend, requireVoice, screenSend } from "./screening";
import { indexMessage, unindexMessage } from "./search-index";
import { insertMessage } from "./message-row";
import { hiddenFor, isHiddenFor } from "./hidden";
import type { ConversationState } from "./state";

/**
 * What a reader whose history starts at `visibleFromSeq` may see of a quote: nothing of a message
 * from before it. The one rule for history, one message, catch-up and pushes.
 */
export function quoteSeenBy(quote: QuotedMessage, visibleFromSeq: number): QuotedMessage {
  return quote.seq < visibleFromSeq ? { seq: quote.seq, unavailable: true } : quote;
}

// ---- sending --------------------------------------------------------------------------

export async function send(s: ConversationState, senderId: string, input: SendInput): Promise<Ack> {
  await s.directRules.check(senderId);
  // Content safety (screening.ts): text is checked before it is stored, in the order sent.
  const verdict = await screenSend(s, senderId, input, () => storedRetry(s, senderId, input, null) !== null);
  // Only messages that carry media look anything up in D1: text stays on the in-memory path.
  const ack =
    input.type === "card"
      ? await appendWithMedia(s, senderId, input, null, () => cardOf(d1(s.env), senderId, input.body.userId).then((card) => ({ ids: mediaIdsOf("card", card), body: card })))
      : mediaIdsOf(input.type, input.body as Record<string, unknown>).length === 0
        ? append(s, senderId, input, null)
        : await appendWithMedia(s, senderId, input, null, async () => ({ ids: await checkMessageMedia(s.env, senderId, input.type, input.body as Record<string, unknown>) }));
  if (!ack.duplicate) afterSend(s, senderId, ack.seq, input, verdict);
  return ack;
}

/** Copies a message the caller can read into this conversation. */
export async function receiveForward(s: ConversationState, senderId: string, clientId: string, source: Message): Promise<Ack> {
  await s.directRules.check(senderId);
  if (source.body === null || source.type === "system") throw new ApiError("invalid_request", "That message cannot be forwarded");
  const input = { clientId, type: source.type, body: source.body } as SendInput;
  const origin = source.forwarded ?? { conversationId: source.conversationId, seq: source.seq, senderId: source.senderId };
  const ids = mediaIdsOf(source.type, source.body);
  // A card's picture is not what it carries: a card whose picture was deleted is forwarded without it.
  const check = source.type === "card" ? () => existingMedia(s.env, ids) : () => checkForwardMedia(s.env, ids);
  if (ids.length > 0) return appendWithMedia(s, senderId, input, origin, async () => ({ ids: await check() }));
  return append(s, senderId, input, origin);
}

type Checked = { ids: string[]; body?: Record<string, unknown> }; // the media to record; a card's body to store
/**
 * Checks the media (the sender's own uploads, or for a forward what the forwarder could read),
 * appends, then records where the media was sent before acknowledging, so every member who
 * sees the message can get its URLs. A retry skips the check and repeats the (idempotent) record
 * from the stored message, never from what was resent (a recalled one records nothing).
 */
async function appendWithMedia(s: ConversationState, senderId: string, input: SendInput, forwarded: Message["forwarded"], check: () => Promise<Checked>): Promise<Ack> {
  s.requireOpen();
  s.requireMember(senderId);
  const retry = storedRetry(s, senderId, input, forwarded);
  const checked = retry ? { ids: [] } : await check();
  const ack = append(s, senderId, checked.body ? ({ ...input, body: checked.body } as SendInput) : input, forwarded);
  const ids = ack.duplicate ? storedMediaIds(s, ack.seq) : checked.ids;
  await recordRefs(s.env, ack.conversationId, ack.seq, ids);
  // A recall that ran while the record was in flight dropped refs before they were written.
  if (ids.length > 0 && storedMediaIds(s, ack.seq).length === 0) await dropRefs(s.env, ack.conversationId, ack.seq);
  return ack;
}

/**
 * The stored message this send retries, if any. A retry must be the same request: the same
 * clientId with another type, body, reply, mentions or forward is refused (client_id_reused).
 * A recalled message's body and mentions are gone, so only the rest is compared for it.
 */
export function storedRetry(s: ConversationState, senderId: string, input: SendInput, forwarded: Message["forwarded"]): MessageRow | null {
  // Raw SQL for the common answer (none): twice per text send, where the query builder cost 5%.
  const known = s.ctx.storage.sql.exec("SELECT 1 FROM messages WHERE sender_id = ? AND client_id = ? LIMIT 1", senderId, input.clientId).toArray().length > 0;
  if (!known) return null;
  const row = s.sql
    .select()
    .from(messages)
    .where(and(eq(messages.senderId, senderId), eq(messages.clientId, input.clientId)))
    .get();
  if (!row) return null;
  const mentions = input.type === "text" ? [...new Set(input.mentions ?? [])] : [];
  const same =
    row.type === input.type &&
    row.replyTo === (input.replyTo ?? null) &&
    (row.forwarded === null ? null : canonicalJson(JSON.parse(row.forwarded))) === (forwarded ? canonicalJson(forwarded) : null) &&
    (row.recalledAt !== null ||
      (canonicalJson(sent(row.type, JSON.parse(row.body!))) === canonicalJson(sent(input.type, input.body)) &&
        row.mentions === (mentions.length ? JSON.stringify(mentions) : null) &&
        row.mentionAll === (input.type === "text" ? (input.mentionAll ?? false) : false)));
  if (!same) throw new ApiError("client_id_reused", `clientId ${input.clientId} was already used for a different message: use a new clientId for a new message`);
  return row;
}

// What the sender chose of a body: a card's profile is the server's, only the person is theirs.
const sent = (type: string, body: Record<string, unknown>) => (type === "card" ? { userId: body.userId } : body);
/** The media a stored message carries (none once recalled). */
function storedMediaIds(s: ConversationState, seq: number): string[] {
  const row = s.sql.select({ type: messages.type, body: messages.body }).from(messages).where(eq(messages.seq, seq)).get();
  return row?.body ? mediaIdsOf(row.type as MessageType, JSON.parse(row.body)) : [];
}

function takeToken(s: ConversationState, userId: string, now: number) {
  const b = s.buckets.get(userId) ?? { tokens: L.sendBurst, at: now };
  b.tokens = Math.min(L.sendBurst, b.tokens + ((now - b.at) / 1000) * L.sendPerSecond);
  b.at = now;
  // Retry-After in whole seconds: when the next token will have refilled.
  if (b.tokens < 1) throw new ApiError("rate_limited", "You are sending too fast; slow down", undefined, { "Retry-After": String(Math.max(1, Math.ceil((1 - b.tokens) / L.sendPerSecond))) });
  b.tokens -= 1;
  s.buckets.set(userId, b);
}

/** Stores a member's message (after the mute, rate and mention checks) and queues its push. */
function append(s: ConversationState, senderId: string, input: SendInput, forwarded: Message["forwarded"]): Ack {
  const m = s.requireOpen();
  const member = s.requireMember(senderId);
  // A retry of something already stored returns the first ack and writes nothing.
  const existing = storedRetry(s, senderId, input, forwarded);
  if (existing) return { conversationId: m.id, clientId: input.clientId, seq: existing.seq, id: existing.id, createdAt: existing.createdAt, duplicate: true };

  const now = Date.now();
  requireVoice(s, senderId, now);
  takeToken(s, senderId, now);

  let mentions: string[] = [];
  let mentionAll = false;
  if (input.type === "text") {
    mentions = [...new Set(input.mentions ?? [])];
    mentionAll = input.mentionAll ?? false;
    if ((mentions.length > 0 || mentionAll) && m.kind === "direct") throw new ApiError("invalid_request", "Mentions are for groups");
    if (mentionAll && member.role === "member") throw new ApiError("forbidden", "Only the owner and admins can mention everyone");
    const stranger = mentions.find((u) => !s.members.has(u));
    if (stranger) throw new ApiError("invalid_request", `Mentioned user ${stranger} is not in this conversation`);
  }
  if (input.replyTo !== undefined) {
    const target = s.sql.select({ seq: messages.seq }).from(messages).where(eq(messages.seq, input.replyTo)).get();
    if (!target || input.replyTo < member.visibleFromSeq) throw new ApiError("invalid_request", "The quoted message does not exist");
  }

  const row: MessageRow = {
    seq: s.lastSeq + 1,
    id: newId("m"),
    senderId,
    clientId: input.clientId,
    type: input.type,
    body: JSON.stringify(input.body),
    mentions: mentions.length ? JSON.stringify(mentions) : null,
    mentionAll,
    replyTo: input.replyTo ?? null,
    forwarded: forwarded ? JSON.stringify(forwarded) : null,
    createdAt: now,
    recalledAt: null,
    recalledBy: null,
  };
  s.ctx.storage.transactionSync(() => {
    insertMessage(s, row);
    indexMessage(s, row);
    s.fanout.ownRead(senderId, row.seq);
  });
  appended(s, row);
  s.fanout.kick();
  return { conversationId: m.id, clientId: input.clientId, seq: row.seq, id: row.id, createdAt: now, duplicate: false };
}

/** Stores a system notice; `alsoTo` hear it although they are no longer members. */
export function appendSystem(s: ConversationState, event: SystemEvent, now: number, alsoTo?: string[]): MessageRow {
  const row: MessageRow = {
    seq: s.lastSeq + 1,
    id: newId("m"),
    senderId: event.actorId,
    clientId: null,
    type: "system",
    body: JSON.stringify(event),
    mentions: null,
    mentionAll: false,
    replyTo: null,
    forwarded: null,
    createdAt: now,
    recalledAt: null,
    recalledBy: null,
  };
  s.sql.insert(messages).values(row).run();
  appended(s, row, alsoTo);
  s.fanout.ownRead(event.actorId, row.seq);
  s.fanout.kick();
  return row;
}

/** After a row is stored: the cached last message, and its frame queued for the next flush. */
function appended(s: ConversationState, row: MessageRow, alsoTo?: string[]) {
  s.lastSeq = row.seq;
  s.lastPreview = preview(row);
  s.fanout.summaryDirty = true;
  const frame: ServerFrame = { type: "message", message: toMessage(s, row, quotes(s, [row])) };
  s.fanout.outbox.push({ frame: JSON.stringify(frame), ...(alsoTo ? { alsoTo } : {}), ...(row.replyTo !== null ? { reply: frame.message } : {}) });
}

// ---- reading --------------------------------------------------------------------------

export function history(s: ConversationState, userId: string, q: { after?: number; before?: number; limit?: number }): HistoryPage {
  s.requireMeta();
  const member = s.requireMember(userId);
  const limit = q.limit ?? L.historyPageDefault;
  const floor = member.visibleFromSeq;
  let rows: MessageRow[];
  let hasMore: boolean;
  if (q.after !== undefined) {
    const from = Math.max(q.after, floor - 1);
    rows = s.sql
      .select()
      .from(messages)
      .where(and(gt(messages.seq, from), notInArray(messages.seq, hiddenFor(s, userId))))
      .orderBy(asc(messages.seq))
      .limit(limit + 1)
      .all();
    hasMore = rows.length > limit;
    rows = rows.slice(0, limit);
  } else {
    const before = q.before ?? s.lastSeq + 1;
    rows = s.sql
      .select()
      .from(messages)
      .where(and(lt(messages.seq, before), gte(messages.seq, floor), notInArray(messages.seq, hiddenFor(s, userId))))
      .orderBy(desc(messages.seq))
      .limit(limit + 1)
      .all();
    hasMore = rows.length > limit;
    rows = rows.slice(0, limit).reverse();
  }
  const quoted = quotes(s, rows);
  return { messages: rows.map((r) => toMessage(s, r, quoted, floor)), hasMore, lastSeq: s.lastSeq };
}

export function getMessage(s: ConversationState, userId: string, seq: number): Message {
  s.requireMeta();
  const member = s.requireMember(userId);
  const row = s.sql.select().from(messages).where(eq(messages.seq, seq)).get();
  if (!row || seq < member.visibleFromSeq || isHiddenFor(s, userId, seq)) throw new ApiError("not_found", "No such message");
  return toMessage(s, row, quotes(s, [row]), member.visibleFromSeq);
}

/**
 * Recall: the sender within two minutes; in groups the owner at any time, and admins for
 * messages of ordinary members. The content is erased (tombstone) and a "recalled" notice
 * with the next seq tells every device, including those that catch up later.
 */
export async function recall(s: ConversationState, userId: string, seq: number): Promise<{ seq: number }> {
  const m = s.requireOpen();
  const actor = s.requireMember(userId);
  const row = s.sql.select().from(messages).where(eq(messages.seq, seq)).get();
  if (!row || seq < actor.visibleFromSeq) throw new ApiError("not_found", "No such message");
  if (row.type === "system") throw new ApiError("invalid_request", "System notices cannot be recalled");
  if (row.recalledAt !== null) throw new ApiError("conflict", "Already recalled");
  const now = Date.now();
  const own = row.senderId === userId;
  const senderRole = s.members.get(row.senderId)?.role ?? "member";
  const byRank = m.kind === "group" && (actor.role === "owner" || (actor.role === "admin" && senderRole === "member"));
  if (!byRank) {
    if (!own) throw new ApiError("forbidden", "You can only recall your own messages");
    if (now - row.createdAt > L.recallWindowMs) throw new ApiError("forbidden", "Messages can only be recalled within 2 minutes");
  }
  return { seq: (await erase(s, row, userId, now)).seq };
}

/**
 * The recall itself (a member's, or the system's for content that breaks the rules): the content
 * is erased and a "recalled" notice tells every device. Answers the media the message carried.
 */
async function erase(s: ConversationState, row: MessageRow, actorId: string, now: number, reason?: "violation"): Promise<{ seq: number; mediaIds: string[] }> {
  const m = s.requireMeta();
  let notice!: MessageRow;
  s.ctx.storage.transactionSync(() => {
    s.sql.update(messages).set({ body: null, mentions: null, recalledAt: now, recalledBy: actorId }).where(eq(messages.seq, row.seq)).run();
    unindexMessage(s, row.seq);
    notice = appendSystem(s, { event: "recalled", actorId, targetSeq: row.seq, senderId: row.senderId, ...(reason ? { reason } : {}) }, now);
  });
  const mediaIds = row.body === null ? [] : mediaIdsOf(row.type as MessageType, JSON.parse(row.body));
  // No new download URLs through this conversation; URLs already issued run out on their own.
  if (mediaIds.length > 0) await dropRefs(s.env, m.id, row.seq);
  return { seq: notice.seq, mediaIds };
}

/**
 * Withdraws a message that breaks the rules, as a recall by the system (`actorId` "system" or
 * the operator): every member sees it removed for violating the rules. Works in a dissolved group
 * too; a message already recalled answers its own seq and no media, so a repeat does nothing.
 */
export async function withdraw(s: ConversationState, seq: number, actorId: string): Promise<{ seq: number; senderId: string; mediaIds: string[] }> {
  s.requireMeta();
  const row = s.sql.select().from(messages).where(eq(messages.seq, seq)).get();
  if (!row || row.type === "system") throw new ApiError("not_found", "No such message");
  if (row.recalledAt !== null) return { seq: row.seq, senderId: row.senderId, mediaIds: [] };
  return { ...(await erase(s, row, actorId, Date.now(), "violation")), senderId: row.senderId };
}

// ---- rows to messages -----------------------------------------------------------------

export function preview(row: MessageRow): MessagePreview {
  const body = row.body === null ? null : (JSON.parse(row.body) as Record<string, unknown>);
  return { seq: row.seq, senderId: row.senderId, type: row.type as MessageType, text: previewText(row.type as MessageType, body), at: row.createdAt };
}

/** The quoted messages of `rows`, read now so a recalled quote shows as recalled. */
export function quotes(s: ConversationState, rows: readonly Pick<MessageRow, "replyTo">[]): Map<number, QuotedMessage> {
  const seqs = [...new Set(rows.map((r) => r.replyTo).filter((q): q is number => q !== null))];
  const out = new Map<number, QuotedMessage>();
  for (const part of inChunks(seqs)) {
    for (const q of s.sql.select().from(messages).where(inArray(messages.seq, part)).all()) {
      out.set(q.seq, { seq: q.seq, senderId: q.senderId, type: q.type as MessageType, preview: preview(q).text, recalled: q.recalledAt !== null });
    }
  }
  return out;
}

/** `visibleFromSeq`: where the reader's history starts (1 for a push's full frame; see quoteSeenBy). */
export function toMessage(s: ConversationState, r: MessageRow, quoted: Map<number, QuotedMessage>, visibleFromSeq = 1): Message {
  const quote = r.replyTo === null ? undefined : quoted.get(r.replyTo);
  return {
    conversationId: s.meta!.id,
    seq: r.seq,
    id: r.id,
    senderId: r.senderId,
    clientId: r.clientId,
    type: r.type as MessageType,
    body: r.body === null ? null : JSON.parse(r.body),
    mentions: r.mentions === null ? [] : JSON.parse(r.mentions),
    mentionAll: r.mentionAll,
    replyTo: quote ? quoteSeenBy(quote, visibleFromSeq) : null,
    forwarded: r.forwarded === null ? null : JSON.parse(r.forwarded),
    createdAt: r.createdAt,
    recalledAt: r.recalledAt,
    recalledBy: r.recalledBy,
  };
}
