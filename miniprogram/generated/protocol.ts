// @ts-nocheck -- bundled JavaScript; the exports at the end are typed from schema/protocol.ts.
// generated from schema/server-frames.ts by scripts/gen-miniprogram-shared.ts; do not edit.
// `npm run gen:miniprogram` writes it again. The server frame schemas the worker builds frames
// to, for core/socket.ts to parse every inbound frame with; `zod` is miniprogram_npm/zod.
import type { ZodType } from "zod";
import type { ServerFrame, SingleServerFrame } from "../../schema/protocol";
import { z } from "zod";
var messageType = z.enum(["text", "image", "voice", "video", "file", "location", "card", "system"]);
var cardMessageBody = z.object({ userId: z.string(), nickname: z.string(), avatarMediaId: z.string().nullable(), username: z.string().nullable() });
var quotedMessage = z.union([
  z.object({
    seq: z.number(),
    senderId: z.string(),
    type: messageType,
    preview: z.string(),
    // "" when the quoted message was recalled
    recalled: z.boolean(),
    unavailable: z.undefined().optional()
  }),
  z.object({ seq: z.number(), unavailable: z.literal(true) })
]);
var message = z.object({
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
  recalledBy: z.string().nullable()
});
var messagePreview = z.object({
  seq: z.number(),
  senderId: z.string(),
  type: messageType,
  text: z.string(),
  at: z.number()
});
var ack = z.object({
  conversationId: z.string(),
  clientId: z.string(),
  seq: z.number(),
  id: z.string(),
  createdAt: z.number(),
  /** True when this is a retry of a message already stored: nothing new was written. */
  duplicate: z.boolean()
});
var sessionEndReason = z.enum(["signed_out", "password_changed", "replaced", "revoked", "expired", "account_deleted", "too_many_sessions"]);
var sessionEndedFrame = z.object({ type: z.literal("session_ended"), reason: sessionEndReason });
var view = (what) => z.custom((v) => typeof v === "object" && v !== null && !Array.isArray(v), { message: `${what} must be an object` });
var contactsList = z.enum(["friends", "requests", "blocks", "tags"]);
var ref = z.string().optional();
var readyFrame = z.object({ type: z.literal("ready"), userId: z.string(), sessionId: z.string(), serverTime: z.number() });
var ackFrame = z.object({ type: z.literal("ack"), ref, ack });
var messageFrame = z.object({ type: z.literal("message"), message });
var readFrame = z.object({ type: z.literal("read"), conversationId: z.string(), reads: z.array(z.object({ userId: z.string(), seq: z.number() })) });
var typingFrame = z.object({ type: z.literal("typing"), conversationId: z.string(), userId: z.string() });
var presenceFrame = z.object({ type: z.literal("presence"), userId: z.string(), online: z.boolean() });
var friendRequestFrame = z.object({ type: z.literal("friend_request"), request: view("request") });
var contactsFrame = z.object({ type: z.literal("contacts"), changed: z.array(contactsList) });
var pongFrame = z.object({ type: z.literal("pong") });
var joinRequestFrame = z.object({ type: z.literal("join_request"), conversationId: z.string(), request: view("request") });
var faceToFaceFrame = z.object({ type: z.literal("face_to_face"), room: view("room") });
var hiddenFrame = z.object({ type: z.literal("hidden"), conversationId: z.string(), seqs: z.array(z.number()) });
var errorFrame = z.object({ type: z.literal("error"), ref, code: z.string(), message: z.string() });
var noticeSettingsFrame = z.object({ type: z.literal("notice_settings"), settings: view("settings") });
var conversationFrame = z.object({
  type: z.literal("conversation"),
  conversationId: z.string(),
  changes: z.object({
    avatarMediaId: z.string().nullable().optional(),
    markedUnread: z.boolean().optional(),
    unread: z.number().optional(),
    pinned: z.boolean().optional(),
    doNotDisturb: z.boolean().optional(),
    clearedSeq: z.number().optional(),
    readSeq: z.number().optional()
  })
});
var singleServerFrame = z.discriminatedUnion("type", [
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
  conversationFrame
]);
var batchFrame = z.object({ type: z.literal("batch"), frames: z.array(singleServerFrame) });
var serverFrame = z.discriminatedUnion("type", [...singleServerFrame.options, batchFrame]);

/** Every server → client frame (serverFrame in schema/protocol.ts). */
const typedServerFrame: ZodType<ServerFrame> = serverFrame;
/** A frame on its own, what a batch holds (singleServerFrame in schema/protocol.ts). */
const typedSingleServerFrame: ZodType<SingleServerFrame> = singleServerFrame;
export { typedServerFrame as serverFrame, typedSingleServerFrame as singleServerFrame };
