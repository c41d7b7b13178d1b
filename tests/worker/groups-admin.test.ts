// Group administration: settings, announcements, member list and nicknames, removal, admins,
// ownership, mutes, dissolving. Every change is a system message online members get live.
import { describe, expect, it } from "vitest";
import type { GroupInfo } from "../../schema/groups";
import type { Message, ServerFrame } from "../../schema/protocol";
import { befriend, history, sendText, SocketClient, type TestUser } from "./chat-helpers";
import { call, conversationRow, membershipRow, patchGroup, rankedGroup, systemEvent } from "./group-helpers";
import { api, count, expectError } from "./helpers";
import { png, uploaded } from "./media-helpers";

async function listen(user: TestUser) {
  const socket = await SocketClient.connect(user.token);
  await socket.next((f) => f.type === "ready");
  return socket;
}

/** The system messages a socket received for a group, oldest first. */
async function events(socket: SocketClient, groupId: string, n: number) {
  await expect.poll(() => socket.messages(groupId).filter((m) => m.type === "system").length).toBeGreaterThanOrEqual(n);
  return socket
    .messages(groupId)
    .filter((m: Message) => m.type === "system")
    .map(systemEvent);
}

describe("group settings", () => {
  it("renames, changes the avatar and posts an announcement, each a system message members receive live", async () => {
    const { id, owner, admin, member } = await rankedGroup();
    const socket = await listen(member);
    const avatar = (await uploaded(admin, png())).id;
    // Someone else's picture, or no picture at all, cannot become the group's avatar.
    expectError(await patchGroup(admin, id, { avatarMediaId: (await uploaded(owner, png(5, 5))).id }), 403, "forbidden");
    expectError(await patchGroup(admin, id, { avatarMediaId: "md_abcdefghij0123456789" }), 403, "forbidden");
    const res = await patchGroup(admin, id, { name: "Climbing club", avatarMediaId: avatar, announcement: "Meet at 9 on Saturday" });
    expect(res.status).toBe(200);
    expect(res.body as GroupInfo).toMatchObject({ name: "Climbing club", avatarMediaId: avatar, announcement: "Meet at 9 on Saturday", announcementBy: admin.id });
    expect(await events(socket, id, 3)).toEqual([
      { event: "renamed", actorId: admin.id, name: "Climbing club" },
      { event: "avatar_changed", actorId: admin.id, avatarMediaId: avatar },
      { event: "announcement", actorId: admin.id, text: "Meet at 9 on Saturday" },
    ]);
    expect(await conversationRow(id)).toMatchObject({ name: "Climbing club", avatar_media_id: avatar, announcement: "Meet at 9 on Saturday", announcement_by: admin.id });
    const list = await api("GET", "/conversations", { token: owner.token });
    expect(list.body.conversations[0]).toMatchObject({ name: "Climbing club", avatarMediaId: avatar });
    socket.close();
  });

  it("changes join settings together in one notice, and says nothing when nothing changes", async () => {
    const { id, owner } = await rankedGroup();
    const before = (await history(owner, id)).length;
    const res = await patchGroup(owner, id, { joinPolicy: "approval", inviteConfirmation: true, membersCanInvite: false, newMembersSeeHistory: true, name: "Club" });
    expect(res.body).toMatchObject({ joinPolicy: "approval", inviteConfirmation: true, membersCanInvite: false, newMembersSeeHistory: true });
    const after = await history(owner, id);
    expect(after.slice(before).map(systemEvent)).toEqual([
      { event: "settings_changed", actorId: owner.id, settings: { joinPolicy: "approval", inviteConfirmation: true, membersCanInvite: false, newMembersSeeHistory: true } },
    ]);
    expect(await conversationRow(id)).toMatchObject({ join_policy: "approval", invite_confirmation: 1, members_can_invite: 0 });
    expect((await patchGroup(owner, id, { joinPolicy: "approval", name: "Club" })).status).toBe(200);
    expect(await history(owner, id)).toHaveLength(after.length);
  });

  it("refuses bad settings and writes nothing", async () => {
    const { id, owner } = await rankedGroup();
    const before = await conversationRow(id);
    for (const body of [
      {},
      { name: "" },
      { name: "x".repeat(31) },
      { joinPolicy: "secret" },
      { avatarMediaId: "https://evil.example/a.png" },
      { announcement: "x".repeat(1001) },
      { owner: owner.id },
    ]) {
      expectError(await patchGroup(owner, id, body), 400, "invalid_request");
    }
    expect(await conversationRow(id)).toEqual(before);
  });

  it("answers a direct chat's id with invalid_request and an unknown id with not_found", async () => {
    const { owner, member } = await rankedGroup();
    await befriend(owner, member);
    const dm = (await api("POST", "/conversations/direct", { token: owner.token, body: { userId: member.id } })).body.id;
    expectError(await patchGroup(owner, dm, { name: "no" }), 400, "invalid_request");
    expectError(await call(owner, "GET", `/groups/${dm}`), 400, "invalid_request");
    expectError(await call(owner, "GET", "/groups/c_00000000000000000000"), 404, "not_found");
    expectError(await call(owner, "GET", "/groups/nonsense"), 404, "not_found");
  });
});

describe("members", () => {
  it("lists members with roles and group nicknames, owner and admins first", async () => {
    const { id, owner, admin, member, outsider } = await rankedGroup();
    const socket = await listen(owner);
    expect((await call(member, "PATCH", `/groups/${id}/members/me`, { nickname: "  Little Wei " })).status).toBe(200);
    expect(await events(socket, id, 1)).toEqual([{ event: "nickname", actorId: member.id, nickname: "Little Wei" }]);
    const res = await call(member, "GET", `/groups/${id}/members`);
    expect(res.status).toBe(200);
    expect(res.body.members).toEqual([
      { userId: owner.id, role: "owner", nickname: "", profileNickname: owner.nickname, avatarMediaId: null, joinedAt: expect.any(Number), mutedUntil: null },
      { userId: admin.id, role: "admin", nickname: "", profileNickname: admin.nickname, avatarMediaId: null, joinedAt: expect.any(Number), mutedUntil: null },
      { userId: member.id, role: "member", nickname: "Little Wei", profileNickname: member.nickname, avatarMediaId: null, joinedAt: expect.any(Number), mutedUntil: null },
    ]);
    expect(await membershipRow(id, member.id)).toMatchObject({ nickname: "Little Wei" });
    expectError(await call(outsider, "GET", `/groups/${id}/members`), 403, "forbidden");
    expectError(await call(member, "PATCH", `/groups/${id}/members/me`, { nickname: "x".repeat(33) }), 400, "invalid_request");
    socket.close();
  });

  it("removes a member, who hears it live and can then neither read nor write", async () => {
    const { id, owner, member } = await rankedGroup();
    const socket = await listen(member);
    const res = await call(owner, "DELETE", `/groups/${id}/members/${member.id}`);
    expect(res.body).toMatchObject({ removed: [member.id] });
    const frame = await socket.next<Extract<ServerFrame, { type: "message" }>>((f) => f.type === "message" && f.message.seq === res.body.seq);
    expect(systemEvent(frame.message)).toEqual({ event: "removed", actorId: owner.id, memberIds: [member.id] });
    expect(await membershipRow(id, member.id)).toBeNull();
    expect((await conversationRow(id))!.member_count).toBe(2);
    expectError(await api("GET", `/conversations/${id}/messages`, { token: member.token }), 403, "forbidden");
    expectError(await sendText(member, id, "still here?"), 403, "forbidden");
    expectError(await call(owner, "DELETE", `/groups/${id}/members/${member.id}`), 404, "not_found");
    expectError(await call(owner, "DELETE", `/groups/${id}/members/${owner.id}`), 400, "invalid_request");
    socket.close();
  });

  it("makes a member an admin and back, in D1 and in the member list", async () => {
    const { id, owner, member } = await rankedGroup();
    const made = await call(owner, "PUT", `/groups/${id}/admins/${member.id}`);
    expect(made.status).toBe(200);
    expect(await membershipRow(id, member.id)).toMatchObject({ role: "admin" });
    expect((await call(owner, "PUT", `/groups/${id}/admins/${member.id}`)).body).toEqual({ seq: null }); // already
    const unmade = await call(owner, "DELETE", `/groups/${id}/admins/${member.id}`);
    expect(await membershipRow(id, member.id)).toMatchObject({ role: "member" });
    const notices = (await history(owner, id)).filter((m) => m.seq === made.body.seq || m.seq === unmade.body.seq).map(systemEvent);
    expect(notices).toEqual([
      { event: "admin_set", actorId: owner.id, memberId: member.id },
      { event: "admin_unset", actorId: owner.id, memberId: member.id },
    ]);
    expectError(await call(owner, "PUT", `/groups/${id}/admins/${owner.id}`), 400, "invalid_request");
  });

  it("transfers ownership: the new owner holds the owner's powers and the old one becomes a member", async () => {
    const { id, owner, admin, member } = await rankedGroup();
    const res = await call(owner, "POST", `/groups/${id}/transfer`, { userId: admin.id });
    expect(res.status).toBe(200);
    expect(await membershipRow(id, admin.id)).toMatchObject({ role: "owner" });
    expect(await membershipRow(id, owner.id)).toMatchObject({ role: "member" });
    expect(systemEvent((await history(member, id)).at(-1)!)).toEqual({ event: "owner_transferred", actorId: owner.id, memberId: admin.id });
    expectError(await call(owner, "POST", `/groups/${id}/dissolve`), 403, "forbidden");
    expect((await call(owner, "POST", `/conversations/${id}/leave`)).status).toBe(200); // no longer the owner
    expect((await call(admin, "PUT", `/groups/${id}/admins/${member.id}`)).status).toBe(200);
    expectError(await call(admin, "POST", `/groups/${id}/transfer`, { userId: admin.id }), 400, "invalid_request");
    expectError(await call(admin, "POST", `/groups/${id}/transfer`, { userId: owner.id }), 404, "not_found");
  });

  it("keeps the owner until ownership is transferred, while others leave freely", async () => {
    const { id, owner, member } = await rankedGroup();
    expectError(await call(owner, "POST", `/conversations/${id}/leave`), 409, "conflict");
    expect((await call(member, "POST", `/conversations/${id}/leave`)).status).toBe(200);
    expect(await membershipRow(id, member.id)).toBeNull();
  });
});

describe("mutes", () => {
  it("mutes a member for a while: their messages are refused until it ends", async () => {
    const { id, admin, member } = await rankedGroup();
    const res = await call(admin, "PUT", `/groups/${id}/members/${member.id}/mute`, { durationSeconds: 1 });
    expect(res.body.mutedUntil).toBeGreaterThan(Date.now());
    expect(await membershipRow(id, member.id)).toMatchObject({ mutedUntil: res.body.mutedUntil });
    expect(systemEvent((await history(member, id)).at(-1)!)).toEqual({ event: "muted", actorId: admin.id, memberId: member.id, until: res.body.mutedUntil });
    expectError(await sendText(member, id, "let me speak"), 403, "forbidden");
    await new Promise((r) => setTimeout(r, Math.max(0, res.body.mutedUntil - Date.now()) + 50));
    expect((await sendText(member, id, "back")).status).toBe(201);
  });

  it("lifts a mute at once", async () => {
    const { id, owner, member } = await rankedGroup();
    await call(owner, "PUT", `/groups/${id}/members/${member.id}/mute`, { durationSeconds: 3600 });
    expect((await call(member, "GET", `/groups/${id}/members`)).body.members.find((m: { userId: string }) => m.userId === member.id).mutedUntil).toEqual(expect.any(Number));
    const lifted = await call(owner, "DELETE", `/groups/${id}/members/${member.id}/mute`);
    expect(lifted.body.mutedUntil).toBeNull();
    expect(systemEvent((await history(member, id)).at(-1)!)).toEqual({ event: "unmuted", actorId: owner.id, memberId: member.id });
    expect((await sendText(member, id, "thanks")).status).toBe(201);
    expectError(await call(owner, "PUT", `/groups/${id}/members/${member.id}/mute`, { durationSeconds: 31 * 24 * 3600 }), 400, "invalid_request");
  });

  it("silences an admin the owner mutes, as the notice says, until the mute is lifted", async () => {
    const { id, owner, admin } = await rankedGroup();
    const res = await call(owner, "PUT", `/groups/${id}/members/${admin.id}/mute`, { durationSeconds: 3600 });
    expect(res.status).toBe(200);
    expect(systemEvent((await history(owner, id)).at(-1)!)).toEqual({ event: "muted", actorId: owner.id, memberId: admin.id, until: res.body.mutedUntil });
    const before = (await history(owner, id)).length;
    expectError(await sendText(admin, id, "but I am an admin"), 403, "forbidden");
    expect(await history(owner, id)).toHaveLength(before);
    await call(owner, "DELETE", `/groups/${id}/members/${admin.id}/mute`);
    expect((await sendText(admin, id, "thank you")).status).toBe(201);
  });

  it("mute-all silences members but not the owner or admins", async () => {
    const { id, owner, admin, member } = await rankedGroup();
    const socket = await listen(member);
    expect((await patchGroup(owner, id, { muteAll: true })).body.muteAll).toBe(true);
    expect(await events(socket, id, 1)).toEqual([{ event: "mute_all", actorId: owner.id, on: true }]);
    expect((await conversationRow(id))!.mute_all).toBe(1);
    expectError(await sendText(member, id, "hello?"), 403, "forbidden");
    expect((await sendText(admin, id, "admins may")).status).toBe(201);
    expect((await sendText(owner, id, "owners may")).status).toBe(201);
    await patchGroup(admin, id, { muteAll: false });
    expect((await sendText(member, id, "finally")).status).toBe(201);
    socket.close();
  });
});

describe("dissolving", () => {
  it("keeps history readable, refuses every later write with group_dissolved, and lets members leave", async () => {
    const { id, owner, admin, member, outsider } = await rankedGroup();
    const said = await sendText(member, id, "last words");
    const socket = await listen(member);
    const res = await call(owner, "POST", `/groups/${id}/dissolve`);
    expect(res.status).toBe(200);
    const frame = await socket.next<Extract<ServerFrame, { type: "message" }>>((f) => f.type === "message" && f.message.seq === res.body.seq);
    expect(systemEvent(frame.message)).toEqual({ event: "dissolved", actorId: owner.id });
    expect((await conversationRow(id))!.dissolved_at).toEqual(expect.any(Number));

    const log = await history(member, id);
    expect(log.map((m) => m.seq)).toContain(said.body.seq);
    expect((await api("GET", `/conversations/${id}`, { token: member.token })).body.dissolved).toBe(true);

    const writes: [TestUser, string, string, unknown?][] = [
      [member, "POST", `/conversations/${id}/messages`, { clientId: "late", type: "text", body: { text: "anyone?" } }],
      [member, "POST", `/conversations/${id}/messages/${said.body.seq}/recall`],
      [owner, "PATCH", `/groups/${id}`, { name: "Back" }],
      [owner, "POST", `/conversations/${id}/members`, { userIds: [outsider.id] }],
      [owner, "POST", `/groups/${id}/invites`, {}],
      [owner, "DELETE", `/groups/${id}/members/${member.id}`],
      [owner, "PUT", `/groups/${id}/admins/${member.id}`],
      [owner, "POST", `/groups/${id}/transfer`, { userId: admin.id }],
      [admin, "PUT", `/groups/${id}/members/${member.id}/mute`, { durationSeconds: 60 }],
      [member, "PATCH", `/groups/${id}/members/me`, { nickname: "ghost" }],
      [owner, "POST", `/groups/${id}/dissolve`],
    ];
    for (const [who, method, path, body] of writes) expectError(await call(who, method, path, body), 410, "group_dissolved");
    expect(await history(member, id)).toHaveLength(log.length);
    expect(await count("memberships", "conversation_id = ?", id)).toBe(3);

    // Leaving only takes it off the member's list.
    expect((await call(member, "POST", `/conversations/${id}/leave`)).body).toEqual({ seq: null });
    expect(await membershipRow(id, member.id)).toBeNull();
    expect((await call(owner, "POST", `/conversations/${id}/leave`)).status).toBe(200);
    socket.close();
  });
});
