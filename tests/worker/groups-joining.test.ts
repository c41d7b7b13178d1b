// Who gets in and how: members adding people (their friends only, with the invite-confirmation
// setting), join requests decided by the owner and admins, strangers through invite links, and
// the 500-member limit under concurrent joins.
import { describe, expect, it } from "vitest";
import { MESSAGE_LIMITS } from "../../schema/limits";
import type { ServerFrame } from "../../schema/protocol";
import { befriend, createGroup, history, makeUser, makeUsers, SocketClient, type TestUser } from "./chat-helpers";
import { call, conversationRow, membershipRow, patchGroup, rankedGroup, systemEvent } from "./group-helpers";
import { api, count, expectError, rows } from "./helpers";

const addAsIs = (actor: TestUser, groupId: string, users: TestUser[]) => call(actor, "POST", `/conversations/${groupId}/members`, { userIds: users.map((u) => u.id) });
/** Befriends the actor with them first: only friends can be added. */
const add = async (actor: TestUser, groupId: string, users: TestUser[]) => {
  await befriend(actor, ...users);
  return addAsIs(actor, groupId, users);
};
const block = (who: TestUser, whom: TestUser) => api("PUT", `/contacts/blocks/${whom.id}`, { token: who.token });
const newGroup = (owner: TestUser, members: TestUser[]) => call(owner, "POST", "/conversations", { name: "Picnic", memberIds: members.map((m) => m.id) });

describe("adding people", () => {
  it("lets any member add people while invite confirmation is off", async () => {
    const { id, member } = await rankedGroup();
    const friend = await makeUser("friend");
    const res = await add(member, id, [friend]);
    expect(res.body).toMatchObject({ added: [friend.id], requested: [] });
    expect(await membershipRow(id, friend.id)).toMatchObject({ role: "member" });
    expect(systemEvent((await history(friend, id)).at(-1)!)).toEqual({ event: "joined", actorId: member.id, memberIds: [friend.id] });
  });

  it("turns a member's additions into join requests when invite confirmation is on; the owner's and admins' go straight in", async () => {
    const { id, owner, admin, member } = await rankedGroup();
    await patchGroup(owner, id, { inviteConfirmation: true });
    const [friend, other] = await makeUsers(2, "friend");
    const ownerSocket = await SocketClient.connect(owner.token);
    await ownerSocket.next((f) => f.type === "ready");

    const res = await add(member, id, [friend!]);
    expect(res.body).toEqual({ added: [], requested: [friend!.id], seq: null });
    expect(await membershipRow(id, friend!.id)).toBeNull();
    const frame = await ownerSocket.next<Extract<ServerFrame, { type: "join_request" }>>((f) => f.type === "join_request");
    expect(frame.request).toMatchObject({ userId: friend!.id, invitedBy: member.id, inviteCode: null, status: "pending" });

    expect((await add(admin, id, [other!])).body).toMatchObject({ added: [other!.id], requested: [] });
    ownerSocket.close();
  });

  it("lets only the owner and admins add people when members may not invite", async () => {
    const { id, owner, admin, member, outsider } = await rankedGroup();
    await patchGroup(owner, id, { membersCanInvite: false });
    const [a, b] = await makeUsers(2, "friend");
    expectError(await add(member, id, [a!]), 403, "forbidden");
    expectError(await add(outsider, id, [a!]), 403, "forbidden");
    expect(await membershipRow(id, a!.id)).toBeNull();
    expect((await add(admin, id, [a!])).body.added).toEqual([a!.id]);
    expect((await add(owner, id, [b!])).body.added).toEqual([b!.id]);
  });

  it("refuses unknown users and malformed ids without adding anyone", async () => {
    const { id, owner } = await rankedGroup();
    const real = await makeUser("real");
    expectError(await call(owner, "POST", `/conversations/${id}/members`, { userIds: [real.id, "u_00000000000000000000"] }), 400, "invalid_request");
    expectError(await call(owner, "POST", `/conversations/${id}/members`, { userIds: ["bob"] }), 400, "invalid_request");
    expect(await membershipRow(id, real.id)).toBeNull();
  });
});

describe("only friends can be put in a group", () => {
  it("refuses a new group with a stranger in it: 403 not_friends listing them, and no group anywhere", async () => {
    const [owner, friend, stranger] = await makeUsers(3);
    await befriend(owner!, friend!);
    const res = await newGroup(owner!, [friend!, stranger!]);
    expectError(res, 403, "not_friends");
    expect(res.body.error.message).toContain("1 person is not your friend"); // for people: ids only in details
    expect(res.body.error.details).toEqual({ notFriends: [stranger!.id] });
    expect(await count("conversations", "created_by = ?", owner!.id)).toBe(0);
    expect(await count("memberships", "user_id in (?, ?, ?)", owner!.id, friend!.id, stranger!.id)).toBe(0);
    expect((await call(owner!, "GET", "/conversations")).body.conversations).toEqual([]);
    expect((await call(friend!, "GET", "/conversations")).body.conversations).toEqual([]);
    // Once they are friends, the same request makes the group.
    await befriend(owner!, stranger!);
    expect((await newGroup(owner!, [friend!, stranger!])).body).toMatchObject({ kind: "group", memberCount: 3 });
  });

  it("refuses to add a stranger to a group: nobody added, no notice, the count unchanged", async () => {
    const { id, owner } = await rankedGroup();
    const [friend, stranger] = await makeUsers(2);
    await befriend(owner, friend!);
    const before = await history(owner, id);
    const res = await addAsIs(owner, id, [friend!, stranger!]);
    expectError(res, 403, "not_friends");
    expect(res.body.error.details).toEqual({ notFriends: [stranger!.id] });
    expect(await membershipRow(id, friend!.id)).toBeNull();
    expect(await membershipRow(id, stranger!.id)).toBeNull();
    expect((await conversationRow(id))!.member_count).toBe(3);
    expect(await history(owner, id)).toEqual(before);
    expect((await call(owner, "GET", `/groups/${id}/members`)).body.members).toHaveLength(3);
  });

  it("turns no stranger into a join request when invite confirmation is on", async () => {
    const { id, owner, member } = await rankedGroup();
    await patchGroup(owner, id, { inviteConfirmation: true });
    const stranger = await makeUser("stranger");
    expectError(await addAsIs(member, id, [stranger]), 403, "not_friends");
    expect(await count("join_requests", "conversation_id = ?", id)).toBe(0);
  });

  it("refuses a friend with a block between them, whoever blocked: 403 blocked, in a new group or an old one", async () => {
    const { id, owner } = await rankedGroup();
    const [blocker, blocked] = await makeUsers(2);
    await befriend(owner, blocker!, blocked!);
    expect((await block(blocker!, owner)).status).toBe(204);
    expect((await block(owner, blocked!)).status).toBe(204);
    const before = await history(owner, id);
    for (const who of [blocker!, blocked!]) {
      const created = await newGroup(owner, [who]);
      expectError(created, 403, "blocked");
      expect(created.body.error.details).toEqual({ blocked: [who.id] });
      expectError(await addAsIs(owner, id, [who]), 403, "blocked");
      expect(await membershipRow(id, who.id)).toBeNull();
    }
    expect(await count("conversations", "created_by = ?", owner.id)).toBe(1);
    expect(await history(owner, id)).toEqual(before);
    // Lifting the block lets the friend in.
    expect((await api("DELETE", `/contacts/blocks/${blocked!.id}`, { token: owner.token })).status).toBe(204);
    expect((await addAsIs(owner, id, [blocked!])).body.added).toEqual([blocked!.id]);
  });

  it("lets a stranger in through an invite link, and lets an approval stand after the inviter unfriends", async () => {
    const { id, owner, member } = await rankedGroup();
    const stranger = await makeUser("stranger");
    const code = (await call(member, "POST", `/groups/${id}/invites`, {})).body.code as string;
    expect((await call(stranger, "POST", `/invites/${code}/accept`, {})).body).toMatchObject({ status: "joined" });
    expect(await membershipRow(id, stranger.id)).toMatchObject({ role: "member" });

    // Checked when the member invited; approving later does not ask again.
    await patchGroup(owner, id, { inviteConfirmation: true });
    const friend = await makeUser("friend");
    expect((await add(member, id, [friend])).body.requested).toEqual([friend.id]);
    expect((await call(member, "DELETE", `/contacts/${friend.id}`)).status).toBe(204);
    const [request] = (await call(owner, "GET", `/groups/${id}/join-requests`)).body.requests as { id: string }[];
    expect((await call(owner, "POST", `/groups/${id}/join-requests/${request!.id}/approve`)).body.request).toMatchObject({ status: "approved" });
    expect(await membershipRow(id, friend.id)).toMatchObject({ role: "member" });
  });
});

describe("join requests", () => {
  async function withRequests(n: number) {
    const g = await rankedGroup();
    await patchGroup(g.owner, g.id, { inviteConfirmation: true });
    const people = await makeUsers(n, "asker");
    await add(g.member, g.id, people);
    const listed = await call(g.admin, "GET", `/groups/${g.id}/join-requests`);
    return { ...g, people, requests: listed.body.requests as { id: string; userId: string }[] };
  }

  it("are listed for the owner and admins, oldest first, and hidden from members", async () => {
    const { id, owner, member, people, requests } = await withRequests(2);
    expect(requests.map((r) => r.userId).sort()).toEqual(people.map((p) => p.id).sort());
    expect((await call(owner, "GET", `/groups/${id}/join-requests?status=pending`)).body.requests).toHaveLength(2);
    expect((await call(owner, "GET", `/groups/${id}/join-requests?status=approved`)).body.requests).toEqual([]);
    expectError(await call(member, "GET", `/groups/${id}/join-requests`), 403, "forbidden");
    expectError(await call(owner, "GET", `/groups/${id}/join-requests?status=maybe`), 400, "invalid_request");
  });

  it("approved, let the person in with a notice; declined, leave them out and tell them", async () => {
    const { id, owner, admin, people, requests } = await withRequests(2);
    const [yes, no] = [requests.find((r) => r.userId === people[0]!.id)!, requests.find((r) => r.userId === people[1]!.id)!];
    const askerSocket = await SocketClient.connect(people[1]!.token);
    await askerSocket.next((f) => f.type === "ready");
    const approved = await call(admin, "POST", `/groups/${id}/join-requests/${yes.id}/approve`);
    expect(approved.body.request).toMatchObject({ status: "approved", decidedBy: admin.id });
    expect(systemEvent((await history(people[0]!, id)).at(-1)!)).toEqual({ event: "joined", actorId: admin.id, memberIds: [people[0]!.id], via: "approval" });
    const declined = await call(owner, "POST", `/groups/${id}/join-requests/${no.id}/decline`);
    expect(declined.body).toMatchObject({ request: { status: "declined", decidedBy: owner.id }, seq: null });
    expect(await membershipRow(id, people[1]!.id)).toBeNull();
    const told = await askerSocket.next<Extract<ServerFrame, { type: "join_request" }>>((f) => f.type === "join_request" && f.request.id === no.id);
    expect(told.request).toMatchObject({ status: "declined", decidedBy: owner.id });
    askerSocket.close();
    expect(await rows("select status from join_requests where conversation_id = ? order by status", id)).toEqual([{ status: "approved" }, { status: "declined" }]);
    expect((await call(owner, "GET", `/groups/${id}/join-requests?status=declined`)).body.requests.map((r: { userId: string }) => r.userId)).toEqual([people[1]!.id]);
  });

  it("cannot be decided twice, by a member, or through another group", async () => {
    const { id, owner, member, requests } = await withRequests(1);
    const other = await createGroup(owner, [], "Other");
    const rid = requests[0]!.id;
    expectError(await call(member, "POST", `/groups/${id}/join-requests/${rid}/approve`), 403, "forbidden");
    expectError(await call(owner, "POST", `/groups/${other}/join-requests/${rid}/approve`), 404, "not_found");
    expectError(await call(owner, "POST", `/groups/${id}/join-requests/jr_00000000000000000000/approve`), 404, "not_found");
    expect((await call(owner, "POST", `/groups/${id}/join-requests/${rid}/decline`)).status).toBe(200);
    expectError(await call(owner, "POST", `/groups/${id}/join-requests/${rid}/approve`), 409, "conflict");
    expectError(await call(owner, "POST", `/groups/${id}/join-requests/${rid}/maybe`), 404, "not_found");
  });
});

describe("the member limit", () => {
  it(`holds at ${MESSAGE_LIMITS.groupMembersMax} when people join through links, additions and approvals at the same moment`, async () => {
    const max = MESSAGE_LIMITS.groupMembersMax;
    const [owner, admin, ...rest] = await makeUsers(max + 7);
    const id = await createGroup(owner!, [admin!, ...rest.slice(0, max - 6)]); // 496 members
    await call(owner!, "PUT", `/groups/${id}/admins/${admin!.id}`);
    const invite = (await call(owner!, "POST", `/groups/${id}/invites`, {})).body.code as string;
    const [viaLink, viaAdd, viaApproval] = [rest.slice(max - 6, max - 3), rest.slice(max - 3, max), rest.slice(max, max + 5)];

    // Two waiting requests, filed while the group still had room.
    await patchGroup(owner!, id, { inviteConfirmation: true });
    await add(rest[0]!, id, viaApproval.slice(0, 2));
    await patchGroup(owner!, id, { inviteConfirmation: false });
    const pending = (await call(owner!, "GET", `/groups/${id}/join-requests`)).body.requests as { id: string }[];
    expect(pending).toHaveLength(2);

    const results = await Promise.all([
      ...viaLink.map((u) => call(u, "POST", `/invites/${invite}/accept`, {})),
      ...viaAdd.map((u) => add(admin!, id, [u])),
      ...pending.map((r) => call(owner!, "POST", `/groups/${id}/join-requests/${r.id}/approve`)),
    ]);
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(4); // 496 + 4 = 500
    for (const r of results.filter((r) => r.status !== 200)) expectError(r, 409, "group_full");
    expect(await count("memberships", "conversation_id = ?", id)).toBe(max);
    expect((await conversationRow(id))!.member_count).toBe(max);
    expect((await call(owner!, "GET", `/groups/${id}/members`)).body.members).toHaveLength(max);
  }, 90_000);
});
