// D1 tables: identity, sessions and rate limits. Row types flow from here to the worker.
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
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
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
export type Session = typeof sessions.$inferSelect;
