// REST bodies and responses, validated by the worker and typed for the client.
import { z } from "zod";
import { compactHistoryPage } from "./compact-history";
import { LIMITS } from "./limits";
import { ack, conversationSummary, historyPage, mediaId, message } from "./protocol";
import { displayText } from "./text";

const trimmed = (max: number) => z.string().trim().max(max);

export const username = z
  .string()
  .trim()
  .min(LIMITS.usernameMin, `Username must be ${LIMITS.usernameMin}-${LIMITS.usernameMax} characters`)
  .max(LIMITS.usernameMax, `Username must be ${LIMITS.usernameMin}-${LIMITS.usernameMax} characters`)
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, "Username must start with a letter and use only letters, digits, _ and -")
  .transform((s) => s.toLowerCase());

export const password = z
  .string()
  .min(LIMITS.passwordMin, `Password must be at least ${LIMITS.passwordMin} characters`)
  .max(LIMITS.passwordMax, `Password must be at most ${LIMITS.passwordMax} characters`)
  .refine((p) => /[A-Za-z]/.test(p) && /[0-9]/.test(p), "Password must contain a letter and a digit");

const nickname = displayText(LIMITS.nicknameMax, "Nickname");
const device = trimmed(LIMITS.deviceMax).optional();

export const registerBody = z.strictObject({ username, password, nickname: nickname.optional(), device });
export const loginBody = z.strictObject({
  username: z
    .string()
    .trim()
    .min(1)
    .max(LIMITS.usernameMax * 2),
  password: z.string().min(1).max(LIMITS.passwordMax),
  device,
});
export const wechatLoginBody = z.strictObject({ code: z.string().min(1).max(128), device });
export const devLoginBody = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(LIMITS.usernameMax)
    .regex(/^[A-Za-z0-9_-]+$/, "Name: letters, digits, _ and - only"),
  device,
});
export const refreshBody = z.strictObject({ refreshToken: z.string().min(16).max(256) });
// currentPassword may be left out only by accounts that have none yet (WeChat sign-ups).
export const changePasswordBody = z.strictObject({ currentPassword: z.string().min(1).max(LIMITS.passwordMax).optional(), newPassword: password });
export const updateProfileBody = z
  .strictObject({
    nickname: nickname.optional(),
    signature: displayText(LIMITS.signatureMax, "Signature", { allowEmpty: true }).optional(),
    status: displayText(LIMITS.statusMax, "Status", { allowEmpty: true }).optional(),
    username: username.optional(),
    /** Let people who are not your friends start a direct chat with you. */
    allowStrangers: z.boolean().optional(),
    // A picture the user uploaded (POST /media), or null to remove it.
    avatarMediaId: mediaId.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "Nothing to update");
/**
 * DELETE /me. Accounts with a password re-authenticate with it; accounts without one (WeChat
 * sign-ups) confirm by typing DELETE, as WeChat's own flow is a confirmation, not a password.
 */
export const deleteAccountBody = z
  .strictObject({
    password: z.string().min(1).max(LIMITS.passwordMax).optional(),
    confirm: z.literal("DELETE", { error: 'confirm must be "DELETE"' }).optional(),
  })
  .refine((b) => b.password !== undefined || b.confirm !== undefined, 'Send your password, or { confirm: "DELETE" } for an account without one');
export type DeleteAccountBody = z.infer<typeof deleteAccountBody>;

/** What a deleted account's profile shows (clients may show "Deleted account" in English). */
export const DELETED_NICKNAME = "已注销";
/** A WeChat sign-up's name until the user chooses one (WeChat's own default name). */
export const DEFAULT_WECHAT_NICKNAME = "微信用户";

export const accountDeletion = z.object({
  /** Groups the account owned that now belong to someone else. */
  handedOver: z.array(z.object({ conversationId: z.string(), to: z.string() })),
  /** Groups the account owned alone, now dissolved. */
  dissolved: z.array(z.string()),
});
export type AccountDeletion = z.infer<typeof accountDeletion>;

export const searchUsersQuery = z.strictObject({ q: z.string().trim().min(1).max(LIMITS.searchQueryMax) });

export type RegisterBody = z.infer<typeof registerBody>;
export type LoginBody = z.infer<typeof loginBody>;
export type UpdateProfileBody = z.infer<typeof updateProfileBody>;

// ---- Responses ---------------------------------------------------------------------------
// Schemas, so the OpenAPI document (GET /openapi.json) and the conformance checks read the same
// description the types come from.

export const publicProfile = z.object({
  id: z.string(),
  username: z.string().nullable(),
  nickname: z.string(),
  avatarMediaId: z.string().nullable(),
  signature: z.string(),
  status: z.string(),
  /** Present on a deleted account: nickname is DELETED_NICKNAME, the rest is empty. */
  deleted: z.literal(true).optional(),
});
export type PublicProfile = z.infer<typeof publicProfile>;

export const ownProfile = publicProfile.extend({
  allowStrangers: z.boolean(),
  hasPassword: z.boolean(),
  wechatLinked: z.boolean(),
  createdAt: z.number(),
});
export type OwnProfile = z.infer<typeof ownProfile>;

export const authTokens = z.object({
  accessToken: z.string(),
  accessTokenExpiresAt: z.number(),
  refreshToken: z.string(),
  refreshTokenExpiresAt: z.number(),
});
export type AuthTokens = z.infer<typeof authTokens>;

export const authResponse = authTokens.extend({ user: ownProfile, created: z.boolean() });
export type AuthResponse = z.infer<typeof authResponse>;

export const userList = z.object({ users: z.array(publicProfile) });

export const healthResponse = z.object({
  status: z.literal("ok"),
  environment: z.string(),
  db: z.object({ ok: z.boolean(), ms: z.number() }),
  time: z.number(),
});

// ---- Conversation REST bodies ---------------------------------------------------------------
// The schemas protocol.ts and server-frames.ts give the socket frames: a message pushed and a
// message fetched are the same object.
export const conversationSummaryBody = conversationSummary;
export const messageBody = message;
export const ackBody = ack;
export const historyPageBody = historyPage;
/** What the history route may answer: the full page, or the compact one when asked (format=compact). */
export const historyPageAnswer = z.union([historyPage, compactHistoryPage]);
export const conversationsList = z.object({ conversations: z.array(conversationSummaryBody) });
export const conversationDetail = z.intersection(
  conversationSummaryBody,
  z.object({ newMembersSeeHistory: z.boolean(), members: z.array(z.object({ userId: z.string(), role: z.enum(["owner", "admin", "member"]), joinedAt: z.number() })) }),
);
export const forwardResults = z.object({
  results: z.array(
    z.union([
      z.object({ conversationId: z.string(), ok: z.literal(true), ack: ackBody }),
      z.object({ conversationId: z.string(), ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
    ]),
  ),
});
export const readResponse = z.object({ readSeq: z.number() });
export const receiptsResponse = z.object({ reads: z.array(z.object({ userId: z.string(), seq: z.number() })), lastSeq: z.number() });
