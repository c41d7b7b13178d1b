// Reads that combine a group object's view (roles, settings) with profiles from D1.
import { and, eq, inArray, isNull } from "drizzle-orm";
import { conversations, memberships, users } from "../../schema/d1";
import type { GroupInfo, GroupMember } from "../../schema/groups";
import { db } from "../db";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import { unwrap } from "../lib/result";
import { conversationObject } from "../lib/shards";
import { inChunks } from "../lib/sql";
import { requireUsers } from "./conversations";

const ROLE_ORDER = { owner: 0, admin: 1, member: 2 } as const;

export async function groupInfo(env: Env, userId: string, conversationId: string): Promise<GroupInfo> {
  const { meta, members } = unwrap(await conversationObject(env, conversationId).info(userId));
  if (meta.kind !== "group") throw new ApiError("invalid_request", "This is a direct chat, not a group");
  const profiles = new Map<string, { nickname: string; avatarMediaId: string | null }>();
  const ids = members.map((m) => m.userId);
  const d = db(env);
  for (const part of inChunks(ids)) {
    for (const u of await d.select({ id: users.id, nickname: users.nickname, avatarMediaId: users.avatarMediaId }).from(users).where(inArray(users.id, part)).all()) {
      profiles.set(u.id, u);
    }
  }
  const list: GroupMember[] = members
    .map((m) => ({
      userId: m.userId,
      role: m.role,
      nickname: m.nickname,
      profileNickname: profiles.get(m.userId)?.nickname ?? "",
      avatarMediaId: profiles.get(m.userId)?.avatarMediaId ?? null,
      joinedAt: m.joinedAt,
      mutedUntil: m.mutedUntil !== null && m.mutedUntil > Date.now() ? m.mutedUntil : null,
    }))
    .sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.joinedAt - b.joinedAt);
  return {
    id: meta.id,
    name: meta.name,
    avatarMediaId: meta.avatarMediaId ?? meta.gridMediaId,
    announcement: meta.announcement,
    announcementAt: meta.announcementAt,
    announcementBy: meta.announcementBy,
    joinPolicy: meta.joinPolicy,
    inviteConfirmation: meta.inviteConfirmation,
    membersCanInvite: meta.membersCanInvite,
    newMembersSeeHistory: meta.newMembersSeeHistory,
    muteAll: meta.muteAll,
    dissolvedAt: meta.dissolvedAt,
    memberCount: list.length,
    members: list,
  };
}

/** Adds the actor's friends to a group (or files join requests under invite confirmation). */
export async function addMembers(env: Env, actorId: string, conversationId: string, userIds: string[]) {
  await requireUsers(db(env), [...new Set(userIds)]);
  return unwrap(await conversationObject(env, conversationId).addMembers(actorId, userIds));
}

export async function leaveGroup(env: Env, userId: string, conversationId: string) {
  return unwrap(await conversationObject(env, conversationId).leave(userId));
}

/**
 * A user's picture or name changed: each of their groups that shows a grid of faces (no picture
 * of its own) is told, and makes a new grid if the user is among its nine. Eight groups at a time.
 */
export async function facesChanged(env: Env, userId: string): Promise<void> {
  const groups = await db(env)
    .select({ id: conversations.id })
    .from(memberships)
    .innerJoin(conversations, eq(conversations.id, memberships.conversationId))
    .where(and(eq(memberships.userId, userId), eq(conversations.kind, "group"), isNull(conversations.avatarMediaId), isNull(conversations.dissolvedAt)))
    .all();
  for (let i = 0; i < groups.length; i += 8) {
    await Promise.all(groups.slice(i, i + 8).map(async (g) => unwrap(await conversationObject(env, g.id).profileChanged(userId))));
  }
}
