// Invite codes and join requests: the pieces shared by the routes and the conversation object
// (which alone writes membership, so accepting an invite runs there under its mutex).
import { and, eq } from "drizzle-orm";
import { conversations, invites, memberships, type Conversation, type Invite, type JoinRequest } from "../../schema/d1";
import { type CreatedInvite, type InvitePreview, type InviteView, type JoinRequestView } from "../../schema/groups";
import { GROUP_LIMITS as G } from "../../schema/limits";
import type { Db } from "../db";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import { qrPngDataUrl, qrSvg } from "../lib/qr";
import { unwrap } from "../lib/result";
import { conversationObject } from "../lib/shards";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** 22 base62 characters from the CSPRNG: about 130 bits, not worth guessing. */
export function newInviteCode(): string {
  let out = "";
  while (out.length < G.inviteCodeChars) {
    for (const b of crypto.getRandomValues(new Uint8Array(32))) {
      if (b < 248 && out.length < G.inviteCodeChars) out += BASE62[b % 62]; // 248 = 4 * 62: no modulo bias
    }
  }
  return out;
}

export const joinUrl = (env: Env, code: string) => `${env.PUBLIC_BASE_URL.replace(/\/+$/, "")}/j/${code}`;

/** Why an invite cannot be used now, most fundamental first; null when it can. */
export function inviteProblem(inv: Invite, group: Pick<Conversation, "dissolvedAt" | "joinPolicy">, now: number): ApiError | null {
  if (group.dissolvedAt !== null) return new ApiError("group_dissolved", "This group has been dissolved");
  if (inv.revokedAt !== null) return new ApiError("invite_revoked", "This invite was revoked; ask for a new one");
  if (inv.expiresAt <= now) return new ApiError("invite_expired", "This invite has expired; ask for a new one");
  if (inv.maxUses !== null && inv.uses >= inv.maxUses) return new ApiError("invite_used_up", "This invite has been used as often as allowed");
  if (group.joinPolicy === "invite_only") return new ApiError("join_closed", "This group is invite-only: a member has to add you");
  return null;
}

export function toJoinRequestView(r: JoinRequest): JoinRequestView {
  return {
    id: r.id,
    conversationId: r.conversationId,
    userId: r.userId,
    invitedBy: r.invitedBy,
    inviteCode: r.inviteCode,
    message: r.message,
    status: r.status,
    createdAt: r.createdAt,
    decidedBy: r.decidedBy,
    decidedAt: r.decidedAt,
  };
}

export function toInviteView(env: Env, r: Invite): InviteView {
  return {
    code: r.code,
    conversationId: r.conversationId,
    url: joinUrl(env, r.code),
    createdBy: r.createdBy,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    revokedAt: r.revokedAt,
    maxUses: r.maxUses,
    uses: r.uses,
    qrSvgUrl: `/invites/${r.code}/qr.svg`,
    qrPngUrl: `/invites/${r.code}/qr.png`,
  };
}

export async function createInvite(env: Env, actorId: string, conversationId: string, opts: { maxUses?: number; expiresInSeconds?: number }): Promise<CreatedInvite> {
  const code = newInviteCode();
  const expiresAt = Date.now() + (opts.expiresInSeconds ?? G.inviteTtlSeconds) * 1000;
  const row = unwrap(await conversationObject(env, conversationId).createInvite(actorId, { code, expiresAt, maxUses: opts.maxUses ?? null }));
  const view = toInviteView(env, row);
  return { ...view, qrSvg: qrSvg(view.url), qrPngDataUrl: await qrPngDataUrl(view.url) };
}

/** An invite and its group, or the reason it cannot be used. */
export async function usableInvite(d: Db, code: string): Promise<{ invite: Invite; group: Conversation }> {
  const row = await d.select({ invite: invites, group: conversations }).from(invites).innerJoin(conversations, eq(conversations.id, invites.conversationId)).where(eq(invites.code, code)).get();
  if (!row) throw new ApiError("not_found", "No such invite");
  const problem = inviteProblem(row.invite, row.group, Date.now());
  if (problem) throw problem;
  return row;
}

export async function previewInvite(d: Db, userId: string, code: string): Promise<InvitePreview> {
  const { invite, group } = await usableInvite(d, code);
  const member = await d
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.conversationId, group.id), eq(memberships.userId, userId)))
    .get();
  return {
    code,
    conversationId: group.id,
    name: group.name,
    avatarMediaId: group.avatarMediaId,
    memberCount: group.memberCount,
    approvalRequired: group.joinPolicy === "approval",
    alreadyMember: member !== undefined,
    expiresAt: invite.expiresAt,
  };
}
