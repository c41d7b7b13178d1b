// Messages and socket frames, shared by the worker (validation) and the mini-program (types).
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

/**
 * A reply's quote, read when served. A reader whose history starts after the quoted message (a
 * newcomer to a group that hides earlier history) gets only `{ seq, unavailable: true }`.
 */
export type QuotedMessage =
  | {
      seq: number;
      senderId: string;
      type: MessageType;
      preview: string; // "" when the quoted message was recalled
      recalled: boolean;
      unavailable?: never;
    }
  | { seq: number; unavailable: true };

export interface Message {
  conversationId: string;
  seq: number;
  id: string;
  senderId: string;
  clientId: string | null;
  type: MessageType;
  /** The typed body; null once recalled. */
  body: Record<string, unknown> | null;
  mentions: string[];
  mentionAll: boolean;
  replyTo: QuotedMessage | null;
  forwarded: { conversationId: string; seq: number; senderId: string } | null;
  createdAt: number;
  recalledAt: number | null;
  recalledBy: string | null;
}

export interface MessagePreview {
  seq: number;
  senderId: string;
  type: MessageType;
  text: string;
  at: number;
}

export interface Ack {
  conversationId: string;
  clientId: string;
  seq: number;
  id: string;
  createdAt: number;
  /** True when this is a retry of a message already stored: nothing new was written. */
  duplicate: boolean;
}

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

export type ServerFrame =
  | { type: "ready"; userId: string; sessionId: string; serverTime: number }
  | z.infer<typeof sessionEndedFrame>
  | { type: "ack"; ref?: string; ack: Ack }
  | { type: "message"; message: Message }
  | { type: "read"; conversationId: string; reads: { userId: string; seq: number }[] }
  | { type: "typing"; conversationId: string; userId: string }
  | { type: "presence"; userId: string; online: boolean }
  // To the person asked, when a friend request arrives (or is sent again).
  | { type: "friend_request"; request: import("./contacts").FriendRequestView }
  // To all of a user's devices when their contacts change (on any device, or by a new friend
  // accepting): refetch the lists named. Carries no data, so a missed one costs only staleness.
  | { type: "contacts"; changed: import("./contacts").ContactsList[] }
  | { type: "pong" }
  // Only to sockets that connected with `/ws?batch=1`: frames that were due at the same moment,
  // in order. A client handles each of `frames` as if it had arrived alone.
  | { type: "batch"; frames: ServerFrame[] }
  // To the owner and admins when someone asks to join (a link under the approval policy, or an
  // addition awaiting confirmation); once decided, to them and to the person who asked.
  | { type: "join_request"; conversationId: string; request: import("./groups").JoinRequestView }
  // To everyone in a face-to-face waiting room whenever it changes.
  | { type: "face_to_face"; room: import("./groups").FaceToFaceRoom }
  | { type: "error"; ref?: string; code: string; message: string };

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

export interface ConversationSummary {
  id: string;
  kind: "direct" | "group";
  name: string;
  avatarMediaId: string | null;
  peer: { id: string; nickname: string; avatarMediaId: string | null } | null;
  memberCount: number;
  lastSeq: number;
  readSeq: number;
  unread: number;
  lastMessage: MessagePreview | null;
  lastMessageAt: number | null;
  pinned: boolean;
  doNotDisturb: boolean;
  muteAll: boolean;
  dissolved: boolean;
  role: "owner" | "admin" | "member";
}

export interface HistoryPage {
  messages: Message[];
  /** True when more messages exist beyond this page in the direction asked. */
  hasMore: boolean;
  lastSeq: number;
}
