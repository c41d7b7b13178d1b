// Users: creation by password, WeChat or development login; profiles; password changes.
import { and, eq, isNull, or } from "drizzle-orm";
import { users, type User } from "../../schema/d1";
import type { DeleteAccountBody, OwnProfile, PublicProfile, RegisterBody, UpdateProfileBody } from "../../schema/api";
import { LIMITS } from "../../schema/limits";
import type { Db } from "../db";
import type { Env } from "../env";
import { hashPassword, isCurrentHash, verifyPassword } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { clear, giveBack, take, type Limit } from "./ratelimit";

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

/**
 * The secret mixed into every password hash. Without it no password can be hashed or checked, so
 * password sign-up, sign-in and change refuse (before counting or writing anything), as for a
 * missing JWT_SECRET; WeChat sign-in needs no password and keeps working.
 */
export function passwordPepper(env: Pick<Env, "PASSWORD_PEPPER">): string {
  const pepper = env.PASSWORD_PEPPER;
  if (!pepper || pepper.length < 32) throw new ApiError("not_configured", "The server's PASSWORD_PEPPER is missing or shorter than 32 characters");
  return pepper;
}

const registrationLimit = (ip: string): Limit => ({
  key: `register:ip:${ip}`,
  max: LIMITS.registrationsPerIp,
  windowSeconds: LIMITS.registrationWindowSeconds,
  message: "Too many accounts created from this network; try later",
});

/** A new account's row: what sign-up names, and the defaults every account starts with. */
function newUser(fields: Pick<User, "nickname"> & Partial<Pick<User, "username" | "openid" | "unionid" | "passwordHash">>, now: number): User {
  return {
    id: newId("u"),
    username: null,
    openid: null,
    unionid: null,
    passwordHash: null,
    allowStrangers: false,
    avatarMediaId: null,
    signature: "",
    status: "",
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
    deletionFinishedAt: null,
    moderation: null,
    moderatedAt: null,
    slowedUntil: null,
    ...fields,
  };
}

export async function register(d: Db, pepper: string, body: RegisterBody, ip: string): Promise<User> {
  // Counted before the hashing and the insert; a sign-up that fails anyway gives its slot back.
  const taken = await take(d, [registrationLimit(ip)]);
  try {
    const now = Date.now();
    const user = newUser({ username: body.username, passwordHash: await hashPassword(body.password, pepper), nickname: body.nickname ?? body.username }, now);
    await d.insert(users).values(user);
    return user;
  } catch (e) {
    await giveBack(d, taken);
    if (isUniqueViolation(e)) throw new ApiError("username_taken", "That username is taken");
    throw e;
  }
}

const LOCKED = "Too many failed sign-in attempts; try again later";

/** Failures of one account from one address, in three tiers: each lock lasts longer than the last. */
const pairLimits = (username: string, ip: string): Limit[] =>
  (
    [
      [LIMITS.loginFailuresPerAccount, LIMITS.loginWindowSeconds],
      [LIMITS.loginFailuresPerAccountHour, 3600],
      [LIMITS.loginFailuresPerAccountDay, 24 * 3600],
    ] as const
  ).map(([max, windowSeconds]) => ({ key: `login:pair:${windowSeconds}:${username}|${ip}`, max, windowSeconds, message: LOCKED }));

const loginLimits = (username: string, ip: string): Limit[] => [
  ...pairLimits(username, ip),
  // The account from anywhere: high enough that one attacker cannot lock the owner out.
  { key: `login:acct:${username}`, max: LIMITS.loginFailuresPerAccountGlobal, windowSeconds: LIMITS.loginGlobalWindowSeconds, message: LOCKED },
  { key: `login:ip:${ip}`, max: LIMITS.loginFailuresPerIp, windowSeconds: LIMITS.loginWindowSeconds, message: LOCKED },
];

/**
 * Checks a password login. Unknown usernames cost the same PBKDF2 work and get the same answer
 * as wrong passwords. Each attempt is counted as a failure before the password is checked (so
 * parallel guesses cannot all be checked) and given back if it turns out right; a full counter
 * refuses further attempts, even correct ones, from that address until its window ends.
 */
export async function loginWithPassword(d: Db, pepper: string, rawUsername: string, password: string, ip: string): Promise<User> {
  const username = rawUsername.trim().toLowerCase();
  const limits = loginLimits(username, ip);
  const taken = await take(d, limits);
  const user = await d.select().from(users).where(eq(users.username, username)).get();
  const ok = await verifyPassword(password, user?.passwordHash ?? null, pepper);
  if (!user || !ok) throw new ApiError("invalid_credentials", "Username or password is incorrect");
  // A hash from before the pepper (or at a lower cost) is replaced while the password is at hand;
  // the condition keeps a password changed meanwhile from being overwritten.
  if (user.passwordHash !== null && !isCurrentHash(user.passwordHash)) {
    await d
      .update(users)
      .set({ passwordHash: await hashPassword(password, pepper) })
      .where(and(eq(users.id, user.id), eq(users.passwordHash, user.passwordHash)));
  }
  // Only failures count: the right password clears this address's failures for the account.
  await Promise.all([
    giveBack(d, taken.slice(pairLimits(username, ip).length)),
    clear(
      d,
      pairLimits(username, ip).map((l) => l.key),
    ),
  ]);
  return user;
}

/** Finds the user of a WeChat openid, creating one on first login. */
export async function findOrCreateByOpenid(d: Db, openid: string, unionid: string | null, nickname: string): Promise<{ user: User; created: boolean }> {
  const existing = await d.select().from(users).where(eq(users.openid, openid)).get();
  if (existing) return { user: existing, created: false };
  const now = Date.now();
  const user = newUser({ openid, unionid, nickname }, now);
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

export async function changePassword(d: Db, pepper: string, user: User, current: string | undefined, next: string): Promise<void> {
  if (user.passwordHash !== null) {
    const limit: Limit = {
      key: `login:change-password:${user.id}`,
      max: LIMITS.loginFailuresPerAccount,
      windowSeconds: LIMITS.loginWindowSeconds,
      message: "Too many failed attempts; try again later",
    };
    const taken = await take(d, [limit]);
    if (current === undefined || !(await verifyPassword(current, user.passwordHash, pepper))) {
      throw new ApiError("invalid_credentials", "Current password is incorrect");
    }
    await giveBack(d, taken);
  }
  await d
    .update(users)
    .set({ passwordHash: await hashPassword(next, pepper), updatedAt: Date.now() })
    .where(eq(users.id, user.id));
}

/**
 * Deleting an account asks for its password again, counted with failed sign-ins on the same
 * per-account limit, so it cannot be used to guess a password faster than signing in.
 * Wrong is 403 wrong_password (not 401: the caller's session is fine and must stay so).
 */
export async function reauthenticate(d: Db, env: Pick<Env, "PASSWORD_PEPPER">, user: User, { password, confirm }: DeleteAccountBody): Promise<void> {
  if (user.passwordHash === null) {
    if (confirm !== "DELETE") throw new ApiError("invalid_request", 'This account has no password: send { confirm: "DELETE" } to delete it');
    return;
  }
  if (password === undefined) throw new ApiError("invalid_request", "This account has a password: send it as password to delete the account");
  const pepper = passwordPepper(env);
  // Counted as a failure before the check (as sign-in does), given back when the password is right.
  const limit: Limit = { key: `login:delete-account:${user.id}`, max: LIMITS.loginFailuresPerAccount, windowSeconds: LIMITS.loginWindowSeconds, message: "Too many failed attempts; try again later" };
  const taken = await take(d, [limit]);
  if (!(await verifyPassword(password, user.passwordHash, pepper))) {
    throw new ApiError("wrong_password", "The password is incorrect; the account was not deleted");
  }
  await giveBack(d, taken);
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
