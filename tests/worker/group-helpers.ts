// A group with one person of each rank, and short calls for the group routes.
import { env } from "cloudflare:test";
import type { Message, SystemEvent } from "../../schema/protocol";
import { api, type ApiResult } from "./helpers";
import { createGroup, makeUser, makeUsers, type TestUser } from "./chat-helpers";

export interface Ranked {
  id: string;
  owner: TestUser;
  admin: TestUser;
  member: TestUser;
  outsider: TestUser;
}

/** Owner, an admin, `extra` more members after `member`, and an outsider. */
export async function rankedGroup(extra = 0): Promise<Ranked & { others: TestUser[] }> {
  const [owner, admin, member, outsider] = [await makeUser("owner"), await makeUser("admin"), await makeUser("member"), await makeUser("outsider")];
  const others = await makeUsers(extra, "other");
  const id = await createGroup(owner, [admin, member, ...others], "Club");
  const made = await api("PUT", `/groups/${id}/admins/${admin.id}`, { token: owner.token });
  if (made.status !== 200) throw new Error(`make admin: ${made.status} ${JSON.stringify(made.body)}`);
  return { id, owner, admin, member, outsider, others };
}

export const call = (user: TestUser, method: string, path: string, body?: unknown): Promise<ApiResult> => api(method, path, { token: user.token, body });

export const patchGroup = (user: TestUser, id: string, body: Record<string, unknown>) => call(user, "PATCH", `/groups/${id}`, body);

export const systemEvent = (m: Message) => m.body as unknown as SystemEvent;

/** D1's copy of a membership (null when there is none). */
export async function membershipRow(conversationId: string, userId: string) {
  return env.DB.prepare("select role, nickname, muted_until as mutedUntil from memberships where conversation_id = ? and user_id = ?")
    .bind(conversationId, userId)
    .first<{ role: string; nickname: string; mutedUntil: number | null }>();
}

export async function conversationRow(conversationId: string) {
  return env.DB.prepare("select * from conversations where id = ?").bind(conversationId).first<Record<string, unknown>>();
}
