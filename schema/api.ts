// REST bodies and responses, validated by the worker and typed for the client.
import { z } from "zod";
import { LIMITS } from "./limits";
import { mediaId } from "./protocol";
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
  username: z.string().trim().min(1).max(LIMITS.usernameMax * 2),
  password: z.string().min(1).max(LIMITS.passwordMax),
  device,
});
export const wechatLoginBody = z.strictObject({ code: z.string().min(1).max(128), device });
export const devLoginBody = z.strictObject({
  name: z.string().trim().min(1).max(LIMITS.usernameMax).regex(/^[A-Za-z0-9_-]+$/, "Name: letters, digits, _ and - only"),
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

export interface AccountDeletion {
  /** Groups the account owned that now belong to someone else. */
  handedOver: { conversationId: string; to: string }[];
  /** Groups the account owned alone, now dissolved. */
  dissolved: string[];
}

export const searchUsersQuery = z.strictObject({ q: z.string().trim().min(1).max(LIMITS.searchQueryMax) });

export type RegisterBody = z.infer<typeof registerBody>;
export type LoginBody = z.infer<typeof loginBody>;
export type UpdateProfileBody = z.infer<typeof updateProfileBody>;

export interface PublicProfile {
  id: string;
  username: string | null;
  nickname: string;
  avatarMediaId: string | null;
  signature: string;
  status: string;
  /** Present on a deleted account: nickname is DELETED_NICKNAME, the rest is empty. */
  deleted?: true;
}

export interface OwnProfile extends PublicProfile {
  allowStrangers: boolean;
  hasPassword: boolean;
  wechatLinked: boolean;
  createdAt: number;
}

export interface AuthTokens {
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string;
  refreshTokenExpiresAt: number;
}

export interface AuthResponse extends AuthTokens {
  user: OwnProfile;
  created: boolean;
}
