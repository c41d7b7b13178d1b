// The compact history page: what `GET /conversations/:id/messages?format=compact` answers
// instead of `historyPage` (schema/protocol.ts). Opt-in, so older clients and outside clients
// (docs/protocol.md) keep the full form. A full `Message` repeats what a page of one conversation
// shares (the conversation id, the few senders, the default of every optional field), which made
// a catch-up twice the bytes of the conventional design's; the compact page says each once.
// Encoded by worker/lib/compact-history.ts, decoded by miniprogram/core/compact-history.ts;
// docs/api.md#compact-history describes the fields.
import { z } from "zod";
import { type messageType, quotedMessage, type Same } from "./server-frames";

/** Every message type but "text", the default `t` leaves out (checked against messageType below). */
const NOT_TEXT = ["image", "voice", "video", "file", "location", "card", "system"] as const;
void (true satisfies Same<(typeof NOT_TEXT)[number] | "text", z.infer<typeof messageType>>);

/**
 * One message. Left out when they hold their default: `q` when it is the previous message's seq + 1
 * (the first message always has it), `c` (clientId) when null, `t` when "text", `b` (body) when
 * null (recalled), `m` (mentions) when empty, `a` when mentionAll is false, `r` (replyTo) and `f`
 * (forwarded) when null, `x` / `y` (recalledAt / recalledBy) when not recalled.
 */
export const compactMessage = z.strictObject({
  q: z.number().int().optional(),
  /** The message id. */
  i: z.string(),
  /** The sender: an index into the page's `senders`. */
  u: z.number().int().min(0),
  c: z.string().optional(),
  t: z.enum(NOT_TEXT).optional(),
  b: z.record(z.string(), z.unknown()).optional(),
  m: z.array(z.string()).min(1).optional(),
  a: z.literal(1).optional(),
  r: z.optional(quotedMessage),
  f: z.object({ conversationId: z.string(), seq: z.number(), senderId: z.string() }).optional(),
  /** createdAt minus the previous message's createdAt (the first message's: minus 0). */
  d: z.number().int(),
  x: z.number().optional(),
  y: z.string().optional(),
});
export type CompactMessage = z.infer<typeof compactMessage>;

export const compactHistoryPage = z.object({
  format: z.literal("compact"),
  conversationId: z.string(),
  /** The page's senders, once each; messages name them by index. */
  senders: z.array(z.string()),
  messages: z.array(compactMessage),
  hasMore: z.boolean(),
  lastSeq: z.number(),
});
export type CompactHistoryPage = z.infer<typeof compactHistoryPage>;

/** `format` of the history query: the full `historyPage` (default) or the compact page. */
export const historyFormat = z.enum(["full", "compact"]);
export type HistoryFormat = z.infer<typeof historyFormat>;
