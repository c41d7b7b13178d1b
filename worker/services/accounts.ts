// Users: creation by password, WeChat or development login; profiles; password changes.
import { and, eq, isNull, or } from "drizzle-orm";
import { users, type User } from "../../schema/d1";
import type { DeleteAccountBody, OwnProfile, PublicProfile, RegisterBody, UpdateProfileBody } from "../../schema/api";
import { LIMITS } from "../../schema/limits";
import type { Db } from "../db";
import { hashPassword, verifyPassword } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { clear, exceeded, hit, type Limit } from "./ratelimit";

export const toPublicProfile = (u: User): PublicProfile => ({
  id: u.id,
  username: u.username,
  nickname: u.nickname,
  avatarMediaId: u.avatarMediaId,
  signature: u.signature,
  status: u.status,
  ...(u.deletedAt !== null ? { deleted: true as const } : {}),
});

export const toOwnProfile = (u: User): OwnProfile => ({
  ...toPublicProfile(u),
  allowStrangers: u.allowStrangers,
  hasPassword: u.passwordHash !== null,
  wechatLinked: u.openid !== null && !u.openid.startsWith("dev:"),
  createdAt: u.createdAt,
});

function isUniqueViolation(e: unknown): boolean {
  for (let err: unknown = e; err; err = (err as { cause?: unknown }).cause) {
    if (String((err as Error).message ?? err).includes("UNIQUE constraint failed")) return true;
  }
  return false;
}

export async function getUser(d: Db, id: string): Promise<User | undefined> {
  return d.select().from(users).where(eq(users.id, id)).get();
}

export async function requireUser(d: Db, id: string): Promise<User> {
  const u = await getUser(d, id);
  if (!u) throw new ApiError("not_found", "No such user");
  return u;
}

const registrationLimit = (ip: string): Limit => ({ key: `register:ip:${ip}`, max: LIMITS.registrationsPerIp, windowSeconds: LIMITS.registrationWindowSeconds });

export async function register(d: Db, body: RegisterBody, ip: string): Promise<User> {
  const limit = registrationLimit(ip);
  const wait = await exceeded(d, limit);
  if (wait !== null) throw new ApiError("rate_limited", "Too many accounts created from this network; try later", undefined, { "Retry-After": String(wait) });
  const now = Date.now();
  const user: User = {
    id: newId("u"),
    username: body.username,
    openid: null,
    unionid: null,
    passwordHash: await hashPassword(body.password),
    allowStrangers: false,
    nickname: body.nickname ?? body.username,
    avatarMediaId: null,
    signature: "",
    status: "",
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
    deletionFinishedAt: null,
  };
  try {
    await d.insert(users).values(user);
  } catch (e) {
    if (isUniqueViolation(e)) throw new ApiError("username_taken", "That username is taken");
    throw e;
  }
  await hit(d, [limit]);
  return user;
}

const loginLimits = (username: string, ip: string): Limit[] => [
  { key: `login:acct:${username}`, max: LIMITS.loginFailuresPerAccount, windowSeconds: LIMITS.loginWindowSeconds },
  { key: `login:ip:${ip}`, max: LIMITS.loginFailuresPerIp, windowSeconds: LIMITS.loginWindowSeconds },
];

/**
 * Checks a password login. Unknown usernames cost the same PBKDF2 work and get the same
 * answer as wrong passwords; failures count per account and per IP, and a full counter
 * refuses further attempts (even correct ones) until its window ends.
 */
export async function loginWithPassword(d: Db, rawUsername: string, password: string, ip: string): Promise<User> {
  const username = rawUsername.trim().toLowerCase();
  const limits = loginLimits(username, ip);
  for (const limit of limits) {
    const wait = await exceeded(d, limit);
    if (wait !== null) throw new ApiError("rate_limited", "Too many failed sign-in attempts; try again later", undefined, { "Retry-After": String(wait) });
  }
  const user = await d.select().from(users).where(eq(users.username, username)).get();
  const ok = await verifyPassword(password, user?.passwordHash ?? null);
  if (!user || !ok) {
    await hit(d, limits);
    throw new ApiError("invalid_credentials", "Username or password is incorrect");
  }
  await clear(d, limits[0]!);
  return user;
}

/** Finds the user of a WeChat openid, creating one on first login. */
export async function findOrCreateByOpenid(d: Db, openid: string, unionid: string | null, nickname: string): Promise<{ user: User; created: boolean }> {
  const existing = await d.select().from(users).where(eq(users.openid, openid)).get();
  if (existing) return { user: existing, created: false };
  const now = Date.now();
  const user: User = { id: newId("u"), username: null, openid, unionid, passwordHash: null, allowStrangers: false, nickname, avatarMediaId: null, signature: "", status: "", createdAt: now, updatedAt: now, deletedAt: null, deletionFinishedAt: null };
  try {
    await d.insert(users).values(user);
    return { user, created: true };
  } catch (e) {
    // Two first logins at once: the other one created it.
    if (!isUniqueViolation(e)) throw e;
    const raced = await d.select().from(users).where(eq(users.openid, openid)).get();
    if (!raced) throw e;
    return { user: raced, created: false };
  }
}

export async function changePassword(d: Db, user: User, current: string | undefined, next: string): Promise<void> {
  if (user.passwordHash !== null) {
    const limit = loginLimits(user.username ?? user.id, "change-password")[0]!;
    const wait = await exceeded(d, limit);
    if (wait !== null) throw new ApiError("rate_limited", "Too many failed attempts; try again later", undefined, { "Retry-After": String(wait) });
    if (current === undefined || !(await verifyPassword(current, user.passwordHash))) {
      await hit(d, [limit]);
      throw new ApiError("invalid_credentials", "Current password is incorrect");
    }
  }
  await d.update(users).set({ passwordHash: await hashPassword(next), updatedAt: Date.now() }).where(eq(users.id, user.id));
}

/**
 * Deleting an account asks for its password again, counted with failed sign-ins on the same
 * per-account limit, so it cannot be used to guess a password faster than signing in.
 * Wrong is 403 wrong_password (not 401: the caller's session is fine and must stay so).
 */
export async function reauthenticate(d: Db, user: User, { password, confirm }: DeleteAccountBody): Promise<void> {
  if (user.passwordHash === null) {
    if (confirm !== "DELETE") throw new ApiError("invalid_request", 'This account has no password: send { confirm: "DELETE" } to delete it');
    return;
  }
  if (password === undefined) throw new ApiError("invalid_request", "This account has a password: send it as password to delete the account");
  const limit = loginLimits(user.username ?? user.id, "delete-account")[0]!;
  const wait = await exceeded(d, limit);
  if (wait !== null) throw new ApiError("rate_limited", "Too many failed attempts; try again later", undefined, { "Retry-After": String(wait) });
  if (!(await verifyPassword(password, user.passwordHash))) {
    await hit(d, [limit]);
    throw new ApiError("wrong_password", "The password is incorrect; the account was not deleted");
  }
}

export async function updateProfile(d: Db, user: User, patch: UpdateProfileBody): Promise<User> {
  if (patch.username !== undefined && user.username !== null && patch.username !== user.username) {
    throw new ApiError("conflict", "Your Qun ID is already set and cannot be changed");
  }
  try {
    const [updated] = await d
      .update(users)
      .set({ ...patch, updatedAt: Date.now() })
      .where(eq(users.id, user.id))
      .returning();
    return updated!;
  } catch (e) {
    if (isUniqueViolation(e)) throw new ApiError("username_taken", "That Qun ID is taken");
    throw e;
  }
}

/** Exact match on Qun ID or user id, as WeChat does: no browsing of the user base. */
export async function searchUsers(d: Db, q: string): Promise<User[]> {
  const needle = q.trim();
  return d
    .select()
    .from(users)
    .where(and(or(eq(users.username, needle.toLowerCase()), eq(users.id, needle)), isNull(users.deletedAt)))
    .limit(2)
    .all();
}
