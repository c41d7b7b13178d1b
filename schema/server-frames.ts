// What the server sends: messages, acks and every server → client socket frame, as zod schemas
// (their types are z.infer of them). The worker builds frames to these types; clients parse
// every frame they receive with these schemas, the mini-program through the copy
// scripts/gen-miniprogram-shared.ts bundles from this file into miniprogram/generated/protocol.ts.
// So this module imports nothing but zod and types: the input validators of schema/protocol.ts
// (and the regular expressions of schema/text.ts) stay out of the client's bundle. It is written
// with zod/mini (functions instead of methods: z.optional(x) for x.optional()), whose schemas are
// zod schemas to the worker too: the mini-program ships zod/mini (about 25 KB minified against
// 470 KB for zod's method API), which keeps its package small.
// schema/protocol.ts re-exports all of it; import from there.
import * as z from "zod/mini";
import type { ContactsList, FriendRequestView } from "./contacts";
import type { FaceToFaceRoom, JoinRequestView } from "./groups";
import type { NoticeSettings } from "./notices";

/** True when A and B are the same type: a compile-time check that a copy has not drifted. */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// The shapes below describe the server's output; the worker builds them and clients parse
// them (the mini-program through miniprogram/generated/protocol.ts). Ids are plain strings and
// objects are not strict here on purpose: the server is the authority on its ids, and a field
// a newer server adds must not make an older client drop the whole frame (zod leaves unknown
// keys out of what it returns). Kinds and enums are exact: a client cannot act on one it does
// not know.

/** What a message is: the kinds a sender may use plus "system" (checked in schema/protocol.ts). */
export const messageType = z.enum(["text", "image", "voice", "video", "file", "location", "card", "system"]);

/**
 * A `card` message's body as stored and served: the person shared and their profile when it was
 * sent (nickname, picture, Qun ID), so the card shows without another request. Open it with
 * `GET /users/:userId`; add them with `POST /contacts/requests` (docs/protocol.md#sending).
 */
export const cardMessageBody = z.object({ userId: z.string(), nickname: z.string(), avatarMediaId: z.nullable(z.string()), username: z.nullable(z.string()) });
export type CardMessageBody = z.infer<typeof cardMessageBody>;

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
    unavailable: z.optional(z.undefined()),
  }),
  z.object({ seq: z.number(), unavailable: z.literal(true) }),
]);
export type QuotedMessage = z.infer<typeof quotedMessage>;

export const message = z.object({
  conversationId: z.string(),
  seq: z.number(),
  id: z.string(),
  senderId: z.string(),
  clientId: z.nullable(z.string()),
  type: messageType,
  /** The typed body; null once recalled. */
  body: z.nullable(z.record(z.string(), z.unknown())),
  mentions: z.array(z.string()),
  mentionAll: z.boolean(),
  replyTo: z.nullable(quotedMessage),
  forwarded: z.nullable(z.object({ conversationId: z.string(), seq: z.number(), senderId: z.string() })),
  createdAt: z.number(),
  recalledAt: z.nullable(z.number()),
  recalledBy: z.nullable(z.string()),
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

/**
 * Why the server ended a socket's session, sent as `{ type: "session_ended", reason }` just
 * before it closes the socket (a client's close event can come seconds after the close frame;
 * docs/protocol.md). `expired`: refresh the access token and reconnect; `replaced`: do not
 * reconnect; every other reason: the session is over, sign in again.
 */
export const sessionEndReason = z.enum(["signed_out", "password_changed", "replaced", "revoked", "expired", "account_deleted", "too_many_sessions"]);
export type SessionEndReason = z.infer<typeof sessionEndReason>;
export const sessionEndedFrame = z.object({ type: z.literal("session_ended"), reason: sessionEndReason });

/**
 * A shape owned by another schema module that has no zod schema yet (the REST views of
 * schema/groups.ts and schema/contacts.ts): checked only to be an object, typed as that module
 * says.
 */
const view = <T>(what: string) => z.custom<T>((v) => typeof v === "object" && v !== null && !Array.isArray(v), { error: `${what} must be an object` });

/** The lists a `contacts` frame names (ContactsList in schema/contacts.ts, checked to match). */
export const contactsList = z.enum(["friends", "requests", "blocks", "tags"]);
void (true satisfies Same<z.infer<typeof contactsList>, ContactsList>);

const ref = z.optional(z.string());

// Server → client, every frame but `batch`, one schema each.
export const readyFrame = z.object({ type: z.literal("ready"), userId: z.string(), sessionId: z.string(), serverTime: z.number() });
export const ackFrame = z.object({ type: z.literal("ack"), ref, ack });
export const messageFrame = z.object({ type: z.literal("message"), message });
export const readFrame = z.object({ type: z.literal("read"), conversationId: z.string(), reads: z.array(z.object({ userId: z.string(), seq: z.number() })) });
export const typingFrame = z.object({ type: z.literal("typing"), conversationId: z.string(), userId: z.string() });
export const presenceFrame = z.object({ type: z.literal("presence"), userId: z.string(), online: z.boolean() });
/** To the person asked, when a friend request arrives (or is sent again). */
export const friendRequestFrame = z.object({ type: z.literal("friend_request"), request: view<FriendRequestView>("request") });
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
export const joinRequestFrame = z.object({ type: z.literal("join_request"), conversationId: z.string(), request: view<JoinRequestView>("request") });
/** To everyone in a face-to-face waiting room whenever it changes. */
export const faceToFaceFrame = z.object({ type: z.literal("face_to_face"), room: view<FaceToFaceRoom>("room") });
/** To the user's own devices when they delete a message for themself ("delete for me"): drop these seqs. */
export const hiddenFrame = z.object({ type: z.literal("hidden"), conversationId: z.string(), seqs: z.array(z.number()) });
export const errorFrame = z.object({ type: z.literal("error"), ref, code: z.string(), message: z.string() });
/** To all of a user's devices when their notice settings change (docs/notices.md): the settings now. */
export const noticeSettingsFrame = z.object({ type: z.literal("notice_settings"), settings: view<NoticeSettings>("settings") });

/**
 * To a conversation's members when their summary of it changed outside its log: patch the summary
 * with `changes`. A group's grid avatar (to every member); to one member's own devices: their unread
 * mark (with the unread count it implies), their pinned and do-not-disturb flags, and "delete chat"
 * (`clearedSeq`: drop every held message at or below it, and leave the chat out of the list until
 * a message after it arrives).
 */
export const conversationFrame = z.object({
  type: z.literal("conversation"),
  conversationId: z.string(),
  changes: z.object({
    avatarMediaId: z.optional(z.nullable(z.string())),
    markedUnread: z.optional(z.boolean()),
    unread: z.optional(z.number()),
    pinned: z.optional(z.boolean()),
    doNotDisturb: z.optional(z.boolean()),
    clearedSeq: z.optional(z.number()),
    readSeq: z.optional(z.number()),
  }),
});

/**
 * Moments news for the Discover tab (docs/moments.md#live-news): `post`, a friend posted something
 * this user may see; `notification`, someone liked, commented on or replied to something of theirs.
 * It carries nothing else: the device asks `/moments/badge` again, which applies every rule.
 */
export const momentsFrame = z.object({ type: z.literal("moments"), event: z.enum(["post", "notification"]) });

/** A frame the server sends on its own (anything but a batch). */
const singleFrames = [
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
  hiddenFrame,
  errorFrame,
  noticeSettingsFrame,
  conversationFrame,
  momentsFrame,
] as const;

export const singleServerFrame = z.discriminatedUnion("type", [...singleFrames]);
export type SingleServerFrame = z.infer<typeof singleServerFrame>;

/**
 * Only to sockets that connected with `/ws?batch=1`: frames that were due at the same moment,
 * in order. A client handles each of `frames` as if it had arrived alone. Batches never nest
 * (the gateway wraps frames that are each a single frame).
 */
export const batchFrame = z.object({ type: z.literal("batch"), frames: z.array(singleServerFrame) });

/** Every server → client frame; what a client parses each socket message with. */
export const serverFrame = z.discriminatedUnion("type", [...singleFrames, batchFrame]);
export type ServerFrame = z.infer<typeof serverFrame>;
