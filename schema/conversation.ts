// Tables inside each conversation's Durable Object (its own SQLite). The object is the only
// writer: it orders messages (gap-free seq) and serialises membership changes.
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const messages = sqliteTable(
  "messages",
  {
    seq: integer("seq").primaryKey(),
    id: text("id").notNull(),
    senderId: text("sender_id").notNull(),
    clientId: text("client_id"),
    type: text("type").notNull(),
    // JSON; null once recalled (the tombstone keeps seq, sender and time, never the content).
    body: text("body"),
    mentions: text("mentions"), // JSON array of user ids, or null
    mentionAll: integer("mention_all", { mode: "boolean" }).notNull().default(false),
    replyTo: integer("reply_to"),
    forwarded: text("forwarded"), // JSON { conversationId, seq, senderId } or null
    createdAt: integer("created_at").notNull(),
    recalledAt: integer("recalled_at"),
    recalledBy: text("recalled_by"),
  },
  // No index on `id`: nothing looks a message up by it here (it is random, and unique by that),
  // and every index is one more row written per message, which Cloudflare bills.
  (t) => [uniqueIndex("messages_client_uq").on(t.senderId, t.clientId)],
);

export const members = sqliteTable(
  "members",
  {
    userId: text("user_id").primaryKey(),
    role: text("role", { enum: ["owner", "admin", "member"] }).notNull(),
    joinedAt: integer("joined_at").notNull(),
    // The first seq this member may read (history before it stays hidden).
    visibleFromSeq: integer("visible_from_seq").notNull().default(1),
    readSeq: integer("read_seq").notNull().default(0),
    mutedUntil: integer("muted_until"),
    nickname: text("nickname").notNull().default(""),
    // "Mark as unread": the member's chat list shows a dot until they read anything here.
    markedUnread: integer("marked_unread", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [index("members_role_idx").on(t.role)],
);

// One row: what this object is.
export const meta = sqliteTable("meta", {
  id: text("id").primaryKey(),
  kind: text("kind", { enum: ["direct", "group"] }).notNull(),
  name: text("name").notNull().default(""),
  createdAt: integer("created_at").notNull(),
  muteAll: integer("mute_all", { mode: "boolean" }).notNull().default(false),
  // Whether people who join later can read what was said before they came.
  newMembersSeeHistory: integer("new_members_see_history", { mode: "boolean" }).notNull().default(false),
  dissolvedAt: integer("dissolved_at"),
  // How many summary shards there were when this object last wrote its whole summary and every
  // member's read position to its shard (0: never). A different count on waking means the shard
  // may be new or stale, so the next flush writes everything again (worker/data/summaries.ts).
  summaryShards: integer("summary_shards").notNull().default(0),
  // Group administration (mirrored to D1's conversations row, which lists and previews read).
  avatarMediaId: text("avatar_media_id"),
  announcement: text("announcement").notNull().default(""),
  announcementAt: integer("announcement_at"),
  announcementBy: text("announcement_by"),
  joinPolicy: text("join_policy", { enum: ["open", "approval", "invite_only"] })
    .notNull()
    .default("open"),
  inviteConfirmation: integer("invite_confirmation", { mode: "boolean" }).notNull().default(false),
  membersCanInvite: integer("members_can_invite", { mode: "boolean" }).notNull().default(true),
  // The avatar made of members' faces (worker/conversation/grid.ts), shown while the group has no
  // picture of its own, and what it was made from (a hash of the faces), so an unchanged grid is kept.
  gridMediaId: text("grid_media_id"),
  gridKey: text("grid_key"),
});

// "Delete for me": messages a member has hidden from themself, on every device. History,
// catch-up and one-message reads leave these out for that member (hiddenFor in
// worker/conversation/hidden.ts); everyone else still sees them.
export const hiddenMessages = sqliteTable(
  "hidden_messages",
  {
    userId: text("user_id").notNull(),
    seq: integer("seq").notNull(),
    hiddenAt: integer("hidden_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.seq] })],
);

export type MessageRow = typeof messages.$inferSelect;
export type MemberRow = typeof members.$inferSelect;
export type MetaRow = typeof meta.$inferSelect;

// Direct chats only: whether each member may message the other under the contacts rules
// (refusal null: they may). Rewritten whenever the contacts service reports a change, so a
// send is checked without asking D1, also after the object wakes.
export const directRules = sqliteTable("direct_rules", {
  senderId: text("sender_id").primaryKey(),
  refusal: text("refusal", { enum: ["blocked", "not_friends", "account_deleted"] }),
  syncedAt: integer("synced_at").notNull(),
});

export type DirectRuleRow = typeof directRules.$inferSelect;
