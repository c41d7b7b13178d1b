// Helpers for the Moments specs: posting, reading and the friendships and tags they depend on.
import { env } from "cloudflare:test";
import type { MomentView } from "../../schema/moments";
import type { TestUser } from "./chat-helpers";
import { api } from "./helpers";

export async function post(user: TestUser, body: Record<string, unknown>): Promise<MomentView> {
  const res = await api<MomentView>("POST", "/moments", { token: user.token, body });
  if (res.status !== 201) throw new Error(`post: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The ids of the posts on the user's timeline (first page of 30). */
export async function timelineIds(user: TestUser): Promise<string[]> {
  const res = await api("GET", "/moments/timeline?limit=30", { token: user.token });
  if (res.status !== 200) throw new Error(`timeline: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body.moments as MomentView[]).map((m) => m.id);
}

export async function albumIds(viewer: TestUser, owner: { id: string }): Promise<string[]> {
  const res = await api("GET", `/moments/users/${owner.id}?limit=30`, { token: viewer.token });
  if (res.status !== 200) throw new Error(`album: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body.moments as MomentView[]).map((m) => m.id);
}

/** Whether the viewer can open the post by id (200) or gets 404. */
export async function canOpen(viewer: TestUser, momentId: string): Promise<boolean> {
  const res = await api("GET", `/moments/${momentId}`, { token: viewer.token });
  if (res.status !== 200 && res.status !== 404) throw new Error(`open: ${res.status} ${JSON.stringify(res.body)}`);
  return res.status === 200;
}

/** Puts friends of `owner` in the owner's tag (the tag is made if needed). */
export async function tag(owner: TestUser, name: string, members: { id: string }[]) {
  const res = await api("POST", "/contacts/tags", { token: owner.token, body: { name, userIds: members.map((m) => m.id) } });
  if (res.status !== 201) throw new Error(`tag: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Moves a post back in time (to test the past-posts windows). */
export async function age(momentId: string, days: number) {
  await env.DB.prepare("update moments set created_at = created_at - ?1 where id = ?2")
    .bind(days * 86_400_000, momentId)
    .run();
}
