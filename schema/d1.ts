// D1 tables: identity, sessions and rate limits. Row types flow from here to the worker.
// size: every D1 table with a foreign key to users lives here (a table file importing users while d1.ts re-exports it would be an import cycle); tables without one go in d1-*.ts files.
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex, primaryKey } from "drizzle-orm/sqlite-core";

const now = sql`(cast(unixepoch('subsecond') * 1000 as integer))`;

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    // Qun ID: chosen by the user, unique, case-insensitive (stored lower-case). WeChat users start without one.
    username: text("username"),
    openid: text("openid"),
    unionid: text("unionid"),
    passwordHash: text("password_hash"),
    nickname: text("nickname").notNull(),
    avatarMediaId: text("avatar_media_id"),
    signature: text("signature").notNull().default(""),
    status: text("status").notNull().default(""),
    // Privacy: whether people who are not friends may start a direct chat.
    allowStrangers: integer("allow_strangers", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
    // Account deletion: set when it starts (the row becomes a tombstone at once: no username,
    // openid, password or profile), and when every other trace is gone. The daily cron finishes
    // deletions that were interrupted in between (worker/services/deletion.ts).
    deletedAt: integer("deleted_at"),
    deletionFinishedAt: integer("deletion_finished_at"),
    // Moderation (docs/moderation.md): "suspended" (pending review) or "banned"; sends of an
    // account whose content was refused repeatedly are refused until slowedUntil.
    moderation: text("moderation", { enum: ["suspended", "banned"] }),
    moderatedAt: integer("moderated_at"),
    slowedUntil: integer("slowed_until"),
  },
  (t) => [uniqueIndex("users_username_uq").on(t.username), uniqueIndex("users_openid_uq").on(t.openid)],
);

// One row per signed-in device. Access tokens carry its id (sid), so revoking it ends them too.
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    device: text("device").notNull().default(""),
    // "web": signed in from a browser by scanning its QR code (docs/security.md#web-sessions);
    // its refresh token lives in an HttpOnly cookie instead of the client's storage.
    kind: text("kind", { enum: ["miniprogram", "web"] })
      .notNull()
      .default("miniprogram"),
    createdAt: integer("created_at").notNull().default(now),
    lastSeenAt: integer("last_seen_at").notNull().default(now),
    revokedAt: integer("revoked_at"),
    revokedReason: text("revoked_reason"),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

// Rotating refresh tokens, stored as SHA-256 hashes. A token that was already rotated and is
// presented again means it leaked: its whole session (the family) is revoked.
export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    expiresAt: integer("expires_at").notNull(),
    rotatedAt: integer("rotated_at"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [index("refresh_tokens_session_idx").on(t.sessionId)],
);

// Web sign-in tickets (docs/api.md#web-sign-in): a browser shows one as a QR code, a signed-in
// phone scans and confirms it, and the browser that holds the ticket's secret (a cookie, stored
// here hashed) collects a new web session. waiting → scanned → confirmed → collected, or
// cancelled; past expiresAt nothing moves any more. userId and scannerSessionId bind a scan to
// the phone's session: only that session may confirm.
export const webLoginTickets = sqliteTable(
  "web_login_tickets",
  {
    id: text("id").primaryKey(),
    secretHash: text("secret_hash").notNull(),
    state: text("state", { enum: ["waiting", "scanned", "confirmed", "cancelled", "collected"] })
      .notNull()
      .default("waiting"),
    // The browser's User-Agent as a label ("Chrome on macOS"), shown on the phone.
    device: text("device").notNull().default(""),
    userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    scannerSessionId: text("scanner_session_id"),
    createdAt: integer("created_at").notNull().default(now),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("web_login_tickets_expires_idx").on(t.expiresAt)],
);

// Fixed-window counters (login failures per account and per IP, and later other limits).
export const rateLimits = sqliteTable(
  "rate_limits",
  {
    key: text("key").notNull(),
    windowStart: integer("window_start").notNull(),
    count: integer("count").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] })],
);

export type User = typeof users.$inferSelect;

// Content safety, reports and moderation.
export * from "./d1-safety";
export type Session = typeof sessions.$inferSelect;

// Conversations and memberships: the queryable copy that the conversation objects keep
// up to date (they are the writers), so "my conversations" is one query.
export const conversations = sqliteTable(
  "conversations",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: ["direct", "group"] }).notNull(),
    name: text("name").notNull().default(""),
    avatarMediaId: text("avatar_media_id"),
    // Groups: the grid of members' faces the conversation object made (R2 media/<id>), shown while
    // avatarMediaId is null; only members may fetch it.
    gridMediaId: text("grid_media_id"),
    // For direct chats: the two user ids, sorted and joined, so a pair has one conversation.
    directKey: text("direct_key"),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    memberCount: integer("member_count").notNull().default(0),
    lastSeq: integer("last_seq").notNull().default(0),
    lastMessageAt: integer("last_message_at"),
    lastPreview: text("last_preview"), // JSON MessagePreview
    muteAll: integer("mute_all", { mode: "boolean" }).notNull().default(false),
    dissolvedAt: integer("dissolved_at"),
    // Group settings, written through the conversation object.
    announcement: text("announcement").notNull().default(""),
    announcementAt: integer("announcement_at"),
    announcementBy: text("announcement_by"),
    joinPolicy: text("join_policy", { enum: ["open", "approval", "invite_only"] })
      .notNull()
      .default("open"),
    inviteConfirmation: integer("invite_confirmation", { mode: "boolean" }).notNull().default(false),
    membersCanInvite: integer("members_can_invite", { mode: "boolean" }).notNull().default(true),
  },
  (t) => [uniqueIndex("conversations_direct_uq").on(t.directKey)],
);

export const memberships = sqliteTable(
  "memberships",
  {
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["owner", "admin", "member"] })
      .notNull()
      .default("member"),
    nickname: text("nickname").notNull().default(""),
    joinedAt: integer("joined_at").notNull().default(now),
    visibleFromSeq: integer("visible_from_seq").notNull().default(1),
    readSeq: integer("read_seq").notNull().default(0),
    mutedUntil: integer("muted_until"),
    // The member's own settings, written by the member directly.
    pinned: integer("pinned", { mode: "boolean" }).notNull().default(false),
    doNotDisturb: integer("do_not_disturb", { mode: "boolean" }).notNull().default(false),
    // "Mark as unread" (WeChat's 标为未读), written by the conversation object: cleared when the member reads there.
    markedUnread: integer("marked_unread", { mode: "boolean" }).notNull().default(false),
    // "Delete chat" (WeChat's 删除该聊天): the member's list leaves the chat out while last_seq is at or
    // below this, and their history starts after it (visible_from_seq is raised with it).
    clearedSeq: integer("cleared_seq").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.userId] }), index("memberships_user_idx").on(t.userId)],
);

export type Conversation = typeof conversations.$inferSelect;
export type Membership = typeof memberships.$inferSelect;

// ---- Contacts -------------------------------------------------------------------------

export const friendRequests = sqliteTable(
  "friend_requests",
  {
    id: text("id").primaryKey(),
    fromUserId: text("from_user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    toUserId: text("to_user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    greeting: text("greeting").notNull().default(""),
    // The remark name the sender chose for the recipient, applied to their side on acceptance.
    remark: text("remark").notNull().default(""),
    status: text("status", { enum: ["pending", "accepted", "declined"] })
      .notNull()
      .default("pending"),
    createdAt: integer("created_at").notNull().default(now),
    respondedAt: integer("responded_at"),
  },
  (t) => [
    index("friend_requests_to_idx").on(t.toUserId, t.status),
    index("friend_requests_from_idx").on(t.fromUserId, t.status),
    // One pending request a direction, even when the same request arrives twice at once.
    uniqueIndex("friend_requests_pending_uq").on(t.fromUserId, t.toUserId).where(sql`status = 'pending'`),
  ],
);

// One row per side: each side keeps its own remark name and tags for the other.
export const friendships = sqliteTable(
  "friendships",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    friendId: text("friend_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    remark: text("remark").notNull().default(""),
    tags: text("tags").notNull().default("[]"), // JSON string[]
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.userId, t.friendId] }), index("friendships_friend_idx").on(t.friendId)],
);

// The tags (friend groups) a user has made, empty ones included. Which friends carry a tag is
// in friendships.tags; every name there has a row here.
export const contactTags = sqliteTable(
  "contact_tags",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.userId, t.name] })],
);

export const blocks = sqliteTable(
  "blocks",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    blockedId: text("blocked_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.userId, t.blockedId] })],
);

// ---- Groups: invites and join requests --------------------------------------------------

export const invites = sqliteTable(
  "invites",
  {
    code: text("code").primaryKey(),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
    maxUses: integer("max_uses"),
    uses: integer("uses").notNull().default(0),
  },
  (t) => [index("invites_conversation_idx").on(t.conversationId)],
);

export const joinRequests = sqliteTable(
  "join_requests",
  {
    id: text("id").primaryKey(),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    invitedBy: text("invited_by"),
    inviteCode: text("invite_code"),
    message: text("message").notNull().default(""),
    status: text("status", { enum: ["pending", "approved", "declined"] })
      .notNull()
      .default("pending"),
    createdAt: integer("created_at").notNull().default(now),
    decidedBy: text("decided_by"),
    decidedAt: integer("decided_at"),
  },
  (t) => [index("join_requests_conversation_idx").on(t.conversationId, t.status), index("join_requests_user_idx").on(t.userId)],
);

// ---- Media ------------------------------------------------------------------------------

export const media = sqliteTable(
  "media",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["image", "voice", "video", "file"] }).notNull(),
    contentType: text("content_type").notNull(),
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(),
    r2Key: text("r2_key").notNull(),
    name: text("name"),
    width: integer("width"),
    height: integer("height"),
    durationMs: integer("duration_ms"),
    // A thumbnail or video poster points at the media it previews.
    previewOf: text("preview_of"),
    createdAt: integer("created_at").notNull().default(now),
    deletedAt: integer("deleted_at"),
  },
  (t) => [index("media_owner_idx").on(t.ownerId), index("media_preview_of_idx").on(t.previewOf)],
);

// Where media was sent: members of these conversations may fetch it.
export const mediaRefs = sqliteTable(
  "media_refs",
  {
    mediaId: text("media_id")
      .notNull()
      .references(() => media.id, { onDelete: "cascade" }),
    conversationId: text("conversation_id").notNull(),
    seq: integer("seq").notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.mediaId, t.conversationId, t.seq] }), index("media_refs_conversation_idx").on(t.conversationId)],
);

// ---- Face-to-face -----------------------------------------------------------------------

// The waiting room each user holds: typing another code leaves this one, so one person is in
// at most one room (rooms themselves live in the face-to-face objects, one per code).
export const faceToFaceSeats = sqliteTable("face_to_face_seats", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  code: text("code").notNull(),
  roomId: text("room_id").notNull(),
  joinedAt: integer("joined_at").notNull().default(now),
});

export type FriendRequest = typeof friendRequests.$inferSelect;
export type Friendship = typeof friendships.$inferSelect;
export type ContactTag = typeof contactTags.$inferSelect;
export type Invite = typeof invites.$inferSelect;
export type JoinRequest = typeof joinRequests.$inferSelect;
export type Media = typeof media.$inferSelect;

// ---- Notices (WeChat subscribe messages) ---------------------------------------------------

// One-time subscriptions a user accepted in the mini-program, per template: each notice spends one.
export const noticeBanks = sqliteTable(
  "notice_banks",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    templateId: text("template_id").notNull(),
    count: integer("count").notNull().default(0),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.userId, t.templateId] })],
);

// A user's notice settings (synced to every device through GET /me/notices) and the sender's
// bookkeeping: what has already been told (seenUntil) and when the last notice left.
export const noticeSettings = sqliteTable("notice_settings", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  preview: integer("preview", { mode: "boolean" }).notNull().default(false),
  // Do-not-disturb hours as minutes after local midnight (null: none), and the user's UTC offset.
  dndStart: integer("dnd_start"),
  dndEnd: integer("dnd_end"),
  utcOffset: integer("utc_offset").notNull().default(480),
  // Activity up to this time was either told by a notice or seen on a device that was online.
  seenUntil: integer("seen_until").notNull().default(now),
  lastSentAt: integer("last_sent_at"),
  updatedAt: integer("updated_at").notNull().default(now),
});

export type NoticeSettingsRow = typeof noticeSettings.$inferSelect;

// ---- Moments (朋友圈, docs/moments.md) ------------------------------------------------------
// Fan-out on read: a post is one row (plus its audience and media rows); a timeline is one indexed
// query over the reader's friendships. Nothing is written per reader, so deleting a post,
// unfriending or blocking takes effect on the next read everywhere.

export const moments = sqliteTable(
  "moments",
  {
    id: text("id").primaryKey(),
    authorId: text("author_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    text: text("text").notNull().default(""),
    media: text("media").notNull().default("[]"), // JSON MomentMedia[], in order
    location: text("location"), // JSON MomentLocation or null
    // all: every friend; include / exclude: the rows in moment_audience; private: the author only.
    visibility: text("visibility", { enum: ["all", "include", "exclude", "private"] }).notNull(),
    // What the author chose, shown back to the author only: tag names (JSON) and friends named one
    // by one (JSON); both are expanded into moment_audience, which is what the rules read.
    audienceTags: text("audience_tags").notNull().default("[]"),
    audienceUsers: text("audience_users").notNull().default("[]"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [index("moments_author_idx").on(t.authorId, t.createdAt)],
);

// Who an include/exclude post names: the chosen friends and the friends in the chosen tags when it was posted.
export const momentAudience = sqliteTable(
  "moment_audience",
  {
    momentId: text("moment_id")
      .notNull()
      .references(() => moments.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.momentId, t.userId] })],
);

// The media a post shows (pictures, their thumbnails, a video and its poster): its viewers may fetch them.
export const momentMedia = sqliteTable(
  "moment_media",
  {
    momentId: text("moment_id")
      .notNull()
      .references(() => moments.id, { onDelete: "cascade" }),
    mediaId: text("media_id")
      .notNull()
      .references(() => media.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.momentId, t.mediaId] }), index("moment_media_media_idx").on(t.mediaId)],
);

// Likes and comments carry the post's author, so an author's notifications are one indexed read.
export const momentLikes = sqliteTable(
  "moment_likes",
  {
    momentId: text("moment_id")
      .notNull()
      .references(() => moments.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    authorId: text("author_id").notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.momentId, t.userId] }), index("moment_likes_author_idx").on(t.authorId, t.createdAt)],
);

export const momentComments = sqliteTable(
  "moment_comments",
  {
    id: text("id").primaryKey(),
    momentId: text("moment_id")
      .notNull()
      .references(() => moments.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    authorId: text("author_id").notNull(),
    // A reply names the comment and the person it answers (who is notified too).
    replyToId: text("reply_to_id"),
    replyToUserId: text("reply_to_user_id"),
    text: text("text").notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [
    index("moment_comments_moment_idx").on(t.momentId, t.createdAt),
    index("moment_comments_author_idx").on(t.authorId, t.createdAt),
    index("moment_comments_reply_idx").on(t.replyToUserId, t.createdAt),
  ],
);

// A user's Moments settings: how far back friends and non-friends may look, the cover, and up
// to when the notifications were read (the red count is what came after).
export const momentSettings = sqliteTable("moment_settings", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  friendsWindow: text("friends_window", { enum: ["3d", "1m", "6m", "all"] })
    .notNull()
    .default("all"),
  strangersWindow: text("strangers_window", { enum: ["none", "3d", "1m", "6m", "all"] })
    .notNull()
    .default("none"),
  coverMediaId: text("cover_media_id"),
  notificationsReadAt: integer("notifications_read_at").notNull().default(0),
});

// hide: the user's posts are hidden from otherId (不让他看); mute: otherId's posts are left out of the user's timeline (不看他).
export const momentHides = sqliteTable(
  "moment_hides",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    otherId: text("other_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["hide", "mute"] }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.kind, t.otherId] })],
);

export type Moment = typeof moments.$inferSelect;
export type MomentSettingsRow = typeof momentSettings.$inferSelect;
