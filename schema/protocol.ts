// Messages and socket frames, shared by the worker (validation of what clients send, the shapes
// it sends back) and the clients (the same schemas parse every frame that reaches them).
import { z } from "zod";
import { MESSAGE_LIMITS as L } from "./limits";
import { messagePreview, message, messageType, type Same, type SessionEndReason } from "./server-frames";
import { displayText, LONE_SURROGATE_MESSAGE, noLoneSurrogates } from "./text";
import { historyFormat } from "./compact-history";

// What the server sends (Message, Ack, every socket frame) lives in schema/server-frames.ts, so
// the mini-program's generated copy carries those schemas alone; this module re-exports them.
export * from "./server-frames";

export const conversationId = z.string().regex(/^[cd]_[0-9a-z]{20,40}$/, "Not a conversation id");
export const userId = z.string().regex(/^u_[0-9a-z]{20}$/, "Not a user id");
export const mediaId = z.string().regex(/^md_[0-9a-z]{20}$/, "Not a media id");
export const clientId = z
  .string()
  .min(1)
  .max(L.clientIdChars)
  .regex(/^[A-Za-z0-9._:-]+$/, "clientId: letters, digits and ._:- only");
export const seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const dim = z.number().int().min(1).max(20000);
const durationMs = z
  .number()
  .int()
  .min(0)
  .max(10 * 3600 * 1000);

// What a sender may put in a message, by type. System messages are written by the server only.
// Message text is not a name: anything goes except text that is not Unicode (lone surrogates).
export const textBody = z.strictObject({
  text: z
    .string()
    .min(1)
    .max(L.textChars)
    .refine((s) => s.trim().length > 0, "Text cannot be blank")
    .refine(noLoneSurrogates, `Text ${LONE_SURROGATE_MESSAGE}`),
});
export const imageBody = z.strictObject({ mediaId, width: dim.optional(), height: dim.optional(), thumbMediaId: mediaId.optional() });
export const voiceBody = z.strictObject({ mediaId, durationMs });
export const videoBody = z.strictObject({ mediaId, durationMs: durationMs.optional(), width: dim.optional(), height: dim.optional(), posterMediaId: mediaId.optional() });
const unicode = (s: z.ZodString, what: string) => s.refine(noLoneSurrogates, `${what} ${LONE_SURROGATE_MESSAGE}`);
export const fileBody = z.strictObject({ mediaId, name: unicode(z.string().min(1).max(255), "File name"), size: z.number().int().min(0) });
export const locationBody = z.strictObject({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  name: unicode(z.string().max(100), "Place name").optional(),
  address: unicode(z.string().max(200), "Address").optional(),
});

/** A contact card: the person shared (a friend of the sender, or the sender). The server stores it with their profile as it is then. */
export const cardBody = z.strictObject({ userId });

export const sendInput = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("text"), body: textBody, mentions: z.array(userId).max(L.mentionsMax).optional(), mentionAll: z.boolean().optional() }),
  z.strictObject({ type: z.literal("image"), body: imageBody }),
  z.strictObject({ type: z.literal("voice"), body: voiceBody }),
  z.strictObject({ type: z.literal("video"), body: videoBody }),
  z.strictObject({ type: z.literal("file"), body: fileBody }),
  z.strictObject({ type: z.literal("location"), body: locationBody }),
  z.strictObject({ type: z.literal("card"), body: cardBody }),
]);
const sendCommon = z.strictObject({ clientId, replyTo: seq.optional() });
export const sendMessageBody = z.intersection(sendCommon, sendInput);
export type SendInput = z.infer<typeof sendInput> & { clientId: string; replyTo?: number };

export type UserMessageType = SendInput["type"];
export type MessageType = UserMessageType | "system";
// The server's message kinds are the kinds a sender may use plus "system".
void (true satisfies Same<z.infer<typeof messageType>, MessageType>);

export type SystemEvent =
  | { event: "created"; actorId: string; name: string; memberIds: string[] }
  // `via` says how they came: absent when a member added them.
  | { event: "joined"; actorId: string; memberIds: string[]; via?: "link" | "approval" | "face_to_face" }
  | { event: "left"; actorId: string }
  | { event: "removed"; actorId: string; memberIds: string[] }
  | { event: "renamed"; actorId: string; name: string }
  // reason "violation": withdrawn by the system or an operator (actorId "system" or the operator's id).
  | { event: "recalled"; actorId: string; targetSeq: number; senderId: string; reason?: "violation" }
  | { event: "avatar_changed"; actorId: string; avatarMediaId: string | null }
  | { event: "announcement"; actorId: string; text: string }
  | { event: "settings_changed"; actorId: string; settings: Partial<import("./groups").GroupSettings> }
  | { event: "mute_all"; actorId: string; on: boolean }
  | { event: "muted"; actorId: string; memberId: string; until: number }
  | { event: "unmuted"; actorId: string; memberId: string }
  | { event: "admin_set"; actorId: string; memberId: string }
  | { event: "admin_unset"; actorId: string; memberId: string }
  | { event: "owner_transferred"; actorId: string; memberId: string }
  | { event: "nickname"; actorId: string; nickname: string }
  | { event: "dissolved"; actorId: string }
  // Direct chats: a friend request was accepted (actor = who accepted).
  | { event: "friends"; actorId: string; requesterId: string; greeting: string };

// ---- Socket frames --------------------------------------------------------------------
// Server → client: `serverFrame` and each frame's schema, in schema/server-frames.ts.
// Client → server. `ref` is echoed on the reply (ack or error) so clients can match them.
// Heartbeat: send the exact text {"type":"ping"}; the server answers {"type":"pong"} without
// waking the object that holds the socket.
export const clientFrame = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("send"), ref: z.string().max(64).optional(), conversationId, message: sendMessageBody }),
  z.strictObject({ type: z.literal("read"), ref: z.string().max(64).optional(), conversationId, seq }),
  z.strictObject({ type: z.literal("recall"), ref: z.string().max(64).optional(), conversationId, seq }),
  z.strictObject({ type: z.literal("typing"), conversationId }),
  z.strictObject({ type: z.literal("ping") }),
]);
export type ClientFrame = z.infer<typeof clientFrame>;

/** Close codes the client acts on: refresh and reconnect, or stop. */
export const CLOSE = {
  unauthorized: 4401, // token missing, invalid or expired: refresh it and reconnect
  revoked: 4403, // the session was signed out: sign in again
  replaced: 4409, // the same session connected again elsewhere: do not reconnect
  rateLimited: 4429, // the socket kept sending past its frame budget: reconnect after a pause
  tooLarge: 1009,
} as const;

/** The close code that follows each `session_ended` reason: what the client does next. */
export const SESSION_END_CLOSE: Record<SessionEndReason, number> = {
  signed_out: CLOSE.revoked,
  password_changed: CLOSE.revoked,
  revoked: CLOSE.revoked,
  account_deleted: CLOSE.revoked,
  too_many_sessions: CLOSE.revoked,
  replaced: CLOSE.replaced,
  expired: CLOSE.unauthorized,
};

// ---- REST ------------------------------------------------------------------------------
export const createGroupBody = z.strictObject({
  name: displayText(L.groupNameChars, "Group name"),
  memberIds: z.array(userId).max(L.groupMembersMax - 1),
});
export const openDirectBody = z.strictObject({ userId });
export const historyQuery = z
  .strictObject({
    after: z.coerce.number().int().min(0).optional(),
    before: z.coerce.number().int().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(L.historyCompactPageMax).optional(),
    // The page a search result opens: messages on both sides of this seq (docs/search.md).
    around: z.coerce.number().int().min(1).optional(),
    // "compact": the page as schema/compact-history.ts (opt-in; the default is the full form).
    format: historyFormat.optional(),
  })
  .refine((q) => q.format === "compact" || q.limit === undefined || q.limit <= L.historyPageMax, {
    path: ["limit"],
    message: `Too big: a page holds at most ${L.historyPageMax} messages (${L.historyCompactPageMax} with format=compact)`,
  });
export const readBody = z.strictObject({ seq });
export const forwardBody = z.strictObject({ to: z.array(conversationId).min(1).max(L.forwardTargetsMax), clientId });
/** "Delete chat" for yourself: everything up to `seq` (the newest message you saw; at most the last) leaves your history. */
export const clearChatBody = z.strictObject({ seq });
export const memberSettingsBody = z.strictObject({ pinned: z.boolean().optional(), doNotDisturb: z.boolean().optional() }).refine((b) => Object.keys(b).length > 0, "Nothing to update");

/** One conversation of `GET /conversations`, as the caller sees it. */
export const conversationSummary = z.object({
  id: z.string(),
  kind: z.enum(["direct", "group"]),
  name: z.string(),
  avatarMediaId: z.string().nullable(),
  peer: z.object({ id: z.string(), nickname: z.string(), avatarMediaId: z.string().nullable() }).nullable(),
  memberCount: z.number(),
  lastSeq: z.number(),
  readSeq: z.number(),
  /** lastSeq − readSeq, and at least 1 while `markedUnread`. */
  unread: z.number(),
  /**
   * The member marked the chat unread (WeChat's 标为未读): show a dot; cleared when they read
   * anything there. Always sent; optional for summaries a client stored before it existed.
   */
  markedUnread: z.boolean().optional(),
  /**
   * The member deleted the chat (WeChat's 删除该聊天) up to this seq: their history starts after it,
   * and the list leaves the chat out until a newer message. 0 when never; optional like markedUnread.
   */
  clearedSeq: z.number().optional(),
  lastMessage: z.nullable(messagePreview),
  lastMessageAt: z.number().nullable(),
  pinned: z.boolean(),
  doNotDisturb: z.boolean(),
  muteAll: z.boolean(),
  dissolved: z.boolean(),
  role: z.enum(["owner", "admin", "member"]),
});
export type ConversationSummary = z.infer<typeof conversationSummary>;

export const historyPage = z.object({
  messages: z.array(message),
  /** True when more messages exist beyond this page in the direction asked. */
  hasMore: z.boolean(),
  lastSeq: z.number(),
});
export type HistoryPage = z.infer<typeof historyPage>;
