// Someone who leaves a group, or is removed from it, cannot walk back in with an invite they made
// while they were a member: their invites are revoked (kept, marked revoked) when they go.
import { describe, expect, it } from "vitest";
import { call, rankedGroup } from "./group-helpers";
import { expectError, rows } from "./helpers";
import type { TestUser } from "./chat-helpers";

async function invite(user: TestUser, groupId: string): Promise<string> {
  const res = await call(user, "POST", `/groups/${groupId}/invites`, {});
  if (res.status !== 201) throw new Error(`invite: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.code;
}

const revokedAt = async (code: string) => (await rows<{ revoked_at: number | null }>("select revoked_at from invites where code = ?", code))[0]?.revoked_at;
const accept = (user: TestUser, code: string) => call(user, "POST", `/invites/${code}/accept`, {});

describe("invites of someone who is no longer a member", () => {
  it("are revoked when an admin removes them, so they cannot rejoin with one", async () => {
    const { id, owner, admin, member } = await rankedGroup();
    const theirs = await invite(member, id);
    const owners = await invite(owner, id);
    expect((await call(admin, "DELETE", `/groups/${id}/members/${member.id}`)).status).toBe(200);

    expectError(await accept(member, theirs), 410, "invite_revoked");
    expect(await revokedAt(theirs)).toEqual(expect.any(Number));
    expect(await revokedAt(owners)).toBeNull();
    expect(await rows("select 1 from memberships where conversation_id = ? and user_id = ?", id, member.id)).toEqual([]);
  });

  it("are revoked when they leave, so the invite they made before cannot bring them back", async () => {
    const { id, owner, member, outsider } = await rankedGroup();
    const theirs = await invite(member, id);
    expect((await call(member, "POST", `/conversations/${id}/leave`)).status).toBe(200);

    expectError(await accept(member, theirs), 410, "invite_revoked");
    expectError(await accept(outsider, theirs), 410, "invite_revoked");
    expect(await revokedAt(theirs)).toEqual(expect.any(Number));
    // The group's other invites keep working.
    expect((await accept(outsider, await invite(owner, id))).status).toBe(200);
  });
});
