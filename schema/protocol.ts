// Messages and socket frames, shared by the worker (validation of what clients send, the shapes
// it sends back) and the clients (the same schemas parse every frame that reaches them).
import { z } from "zod";
import { MESSAGE_LIMITS as L } from "./limits";
import { displayText, LONE_SURROGATE_MESSAGE, noLoneSurrogates } from "./text";

export const conversationId = z.string().regex(/^[cd]_[0-9a-z]{20,40}$/, "Not a conversation id");
export const userId = z.string().regex(/^u_[0-9a-z]{20}$/, "Not a user id");
export const mediaId = z.string().regex(/^md_[0-9a-z]{20}$/, "Not a media id");
export const clientId = z.string().min(1).max(L.clientIdChars).regex(/^[A-Za-z0-9._:-]+$/, "clientId: letters, digits and ._:- only");
export const seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const dim = z.number().int().min(1).max(20000);
const durationMs = z.number().int().min(0).max(10 * 3600 * 1000);

// What a sender may put in a message, by type. System messages are written by the server only.
// Message text is not a name: anything goes except text that is not Unicode (lone surrogates).
export const textBody = z.strictObject({
  text: z.string().min(1).max(L.textChars).refine((s) => s.trim().length > 0, "Text cannot be blank").refine(noLoneSurrogates, `Text ${LONE_SURROGATE_MESSAGE}`),
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

export const sendInput = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("text"), body: textBody, mentions: z.array(userId).max(L.mentionsMax).optional(), mentionAll: z.boolean().optional() }),
  z.strictObject({ type: z.literal("image"), body: imageBody }),
  z.strictObject({ type: z.literal("voice"), body: voiceBody }),
  z.strictObject({ type: z.literal("video"), body: videoBody }),
  z.strictObject({ type: z.literal("file"), body: fileBody }),
  z.strictObject({ type: z.literal("location"), body: locationBody }),
]);
const sendCommon = z.strictObject({ clientId, replyTo: seq.optional() });
export const sendMessageBody = z.intersection(sendCommon, sendInput);
export type SendInput = z.infer<typeof sendInput> & { clientId: string; replyTo?: number };

export type UserMessageType = SendInput["type"];
export type MessageType = UserMessageType | "system";

export type SystemEvent =
  | { event: "created"; actorId: string; name: string; memberIds: string[] }
  // `via` says how they came: absent when a member added them.
  | { event: "joined"; actorId: string; memberIds: string[]; via?: "link" | "approval" | "face_to_face" }
  | { event: "left"; actorId: string }
  | { event: "removed"; actorId: string; memberIds: string[] }
  | { event: "renamed"; actorId: string; name: string }
  | { event: "recalled"; actorId: string; targetSeq: number; senderId: string }
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

// ---- What the server sends ------------------------------------------------------------
// The shapes below describe the server's output; the worker builds them and clients parse
// them (the mini-program through miniprogram/generated/protocol.ts). Ids are plain strings and
// objects are not strict here on purpose: the server is the authority on its ids, and a field
// a newer server adds must not make an older client drop the whole frame (zod leaves unknown
// keys out of what it returns). Kinds and enums are exact: a client cannot act on one it does
// not know.

export const messageType = z.enum(["text", "image", "voice", "video", "file", "location", "system"]);
/** True when A and B are the same type: a compile-time check that a copy has not drifted. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
void (true satisfies Same<z.infer<typeof messageType>, MessageType>);

/**
 * A reply's quote, read when served. A reader whose history starts after the quoted message (a
 * newcomer to a group that hides earlier history) gets only `{ seq, unavailable: true }`.
 */
export const quotedMessage = z.union([
  z.object({
    seq: z.number(),
    senderId: z.string(),
    type: messageType,
    preview: z.string(), // "" when the quoted message was recalled
    recalled: z.boolean(),
    unavailable: z.undefined().optional(),
  }),
  z.object({ seq: z.number(), unavailable: z.literal(true) }),
]);
export type QuotedMessage = z.infer<typeof quotedMessage>;

export const message = z.object({
  conversationId: z.string(),
  seq: z.number(),
  id: z.string(),
  senderId: z.string(),
  clientId: z.string().nullable(),
  type: messageType,
  /** The typed body; null once recalled. */
  body: z.record(z.string(), z.unknown()).nullable(),
  mentions: z.array(z.string()),
  mentionAll: z.boolean(),
  replyTo: quotedMessage.nullable(),
  forwarded: z.object({ conversationId: z.string(), seq: z.number(), senderId: z.string() }).nullable(),
  createdAt: z.number(),
  recalledAt: z.number().nullable(),
  recalledBy: z.string().nullable(),
});
export type Message = z.infer<typeof message>;

export const messagePreview = z.object({
  seq: z.number(),
  senderId: z.string(),
  type: messageType,
  text: z.string(),
  at: z.number(),
});
export type MessagePreview = z.infer<typeof messagePreview>;

export const ack = z.object({
  conversationId: z.string(),
  clientId: z.string(),
  seq: z.number(),
  id: z.string(),
  createdAt: z.number(),
  /** True when this is a retry of a message already stored: nothing new was written. */
  duplicate: z.boolean(),
});
export type Ack = z.infer<typeof ack>;

// ---- Socket frames --------------------------------------------------------------------
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

/**
 * Why the server ended a socket's session, sent as `{ type: "session_ended", reason }` just
 * before it closes the socket (a client's close event can come seconds after the close frame;
 * docs/protocol.md). `expired`: refresh the access token and reconnect; `replaced`: do not
 * reconnect; every other reason: the session is over, sign in again.
 */
export const sessionEndReason = z.enum(["signed_out", "password_changed", "replaced", "revoked", "expired", "account_deleted", "too_many_sessions"]);
export type SessionEndReason = z.infer<typeof sessionEndReason>;
export const sessionEndedFrame = z.strictObject({ type: z.literal("session_ended"), reason: sessionEndReason });

/**
 * A shape owned by another schema module that has no zod schema yet (the REST views of
 * schema/groups.ts and schema/contacts.ts): checked only to be an object, typed as that module
 * says.
 */
const view = <T>(what: string) =>
  z.custom<T>((v) => typeof v === "object" && v !== null && !Array.isArray(v), { message: `${what} must be an object` });

/** The lists a `contacts` frame names (ContactsList in schema/contacts.ts, checked to match). */
export const contactsList = z.enum(["friends", "requests", "blocks", "tags"]);
void (true satisfies Same<z.infer<typeof contactsList>, import("./contacts").ContactsList>);

const ref = z.string().optional();

// Server → client, every frame but `batch`, one schema each.
export const readyFrame = z.object({ type: z.literal("ready"), userId: z.string(), sessionId: z.string(), serverTime: z.number() });
export const ackFrame = z.object({ type: z.literal("ack"), ref, ack });
export const messageFrame = z.object({ type: z.literal("message"), message });
export const readFrame = z.object({ type: z.literal("read"), conversationId: z.string(), reads: z.array(z.object({ userId: z.string(), seq: z.number() })) });
export const typingFrame = z.object({ type: z.literal("typing"), conversationId: z.string(), userId: z.string() });
export const presenceFrame = z.object({ type: z.literal("presence"), userId: z.string(), online: z.boolean() });
/** To the person asked, when a friend request arrives (or is sent again). */
export const friendRequestFrame = z.object({ type: z.literal("friend_request"), request: view<import("./contacts").FriendRequestView>("request") });
/**
 * To all of a user's devices when their contacts change (on any device, or by a new friend
 * accepting): refetch the lists named. Carries no data, so a missed one costs only staleness.
 */
export const contactsFrame = z.object({ type: z.literal("contacts"), changed: z.array(contactsList) });
export const pongFrame = z.object({ type: z.literal("pong") });
/**
 * To the owner and admins when someone asks to join (a link under the approval policy, or an
 * addition awaiting confirmation); once decided, to them and to the person who asked.
 */
export const joinRequestFrame = z.object({ type: z.literal("join_request"), conversationId: z.string(), request: view<import("./groups").JoinRequestView>("request") });
/** To everyone in a face-to-face waiting room whenever it changes. */
export const faceToFaceFrame = z.object({ type: z.literal("face_to_face"), room: view<import("./groups").FaceToFaceRoom>("room") });
export const errorFrame = z.object({ type: z.literal("error"), ref, code: z.string(), message: z.string() });

/** A frame the server sends on its own (anything but a batch). */
export const singleServerFrame = z.discriminatedUnion("type", [
  readyFrame,
  sessionEndedFrame,
  ackFrame,
  messageFrame,
  readFrame,
  typingFrame,
  presenceFrame,
  friendRequestFrame,
  contactsFrame,
  pongFrame,
  joinRequestFrame,
  faceToFaceFrame,
  errorFrame,
]);
export type SingleServerFrame = z.infer<typeof singleServerFrame>;

/**
 * Only to sockets that connected with `/ws?batch=1`: frames that were due at the same moment,
 * in order. A client handles each of `frames` as if it had arrived alone. Batches never nest
 * (the gateway wraps frames that are each a single frame).
 */
export const batchFrame = z.object({ type: z.literal("batch"), frames: z.array(singleServerFrame) });

/** Every server → client frame; what a client parses each socket message with. */
export const serverFrame = z.discriminatedUnion("type", [...singleServerFrame.options, batchFrame]);
export type ServerFrame = z.infer<typeof serverFrame>;

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
export const historyQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional(),
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(L.historyPageMax).optional(),
});
export const readBody = z.strictObject({ seq });
export const forwardBody = z.strictObject({ to: z.array(conversationId).min(1).max(L.forwardTargetsMax), clientId });
export const memberSettingsBody = z
  .strictObject({ pinned: z.boolean().optional(), doNotDisturb: z.boolean().optional() })
  .refine((b) => Object.keys(b).length > 0, "Nothing to update");

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
  unread: z.number(),
  lastMessage: messagePreview.nullable(),
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
