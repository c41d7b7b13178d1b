// Invite codes: making them (through the group's object, which checks who may), their views and
// QR codes, and previewing one before joining. Whether an invite is usable is data/invites.ts.
import { and, eq } from "drizzle-orm";
import { conversations, invites, memberships, type Conversation, type Invite } from "../../schema/d1";
import type { CreatedInvite, InvitePreview, InviteView } from "../../schema/groups";
import { GROUP_LIMITS as G } from "../../schema/limits";
import { inviteProblem } from "../data/invites";
import type { Db } from "../db";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import { randomFrom } from "../lib/ids";
import { qrPngDataUrl, qrSvg } from "../lib/qr";
import { unwrap } from "../lib/result";
import { conversationObject } from "../lib/shards";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** 22 base62 characters from the CSPRNG: about 130 bits, not worth guessing. */
export const newInviteCode = (): string => randomFrom(BASE62, G.inviteCodeChars);

export const joinUrl = (env: Env, code: string) => `${env.PUBLIC_BASE_URL.replace(/\/+$/, "")}/j/${code}`;

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
