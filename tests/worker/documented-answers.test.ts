// Answers the docs describe in words (docs/protocol.md, docs/groups.md), pinned here so a client
// written from them keeps working: the order of a backward history page, the bodies of the group
// listing routes, the face-to-face entry answer and the recall-window refusal.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ConversationObject } from "../../worker/conversation/object";
import { befriend, history, makeUser, makeUsers, openDirect, sendText } from "./chat-helpers";
import { call, rankedGroup } from "./group-helpers";
import { api, expectError } from "./helpers";

const stub = (id: string) => env.CONVERSATION.get(env.CONVERSATION.idFromName(id));

describe("what the docs say in words", () => {
  it("serves a before= page in ascending seq order: the limit messages just below it, newest last", async () => {
    const [a, b] = await makeUsers(2);
    const dm = await openDirect(a!, b!);
    for (let i = 1; i <= 5; i++) await sendText(a!, dm, `m${i}`);
    const page = await api("GET", `/conversations/${dm}/messages?before=5&limit=2`, { token: a!.token });
    expect(page.status).toBe(200);
    expect(page.body.messages.map((m: { seq: number }) => m.seq)).toEqual([3, 4]);
    expect(page.body.hasMore).toBe(true);
    const latest = await history(a!, dm, "?limit=3");
    expect(latest.map((m) => m.seq)).toEqual([3, 4, 5]);
  });

  it("lists group members owner first, then admins, then members, with the documented fields", async () => {
    const g = await rankedGroup();
    const res = await call(g.member, "GET", `/groups/${g.id}/members`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(["members"]);
    expect(res.body.members.map((m: { userId: string }) => m.userId)).toEqual([g.owner.id, g.admin.id, g.member.id]);
    for (const m of res.body.members) {
      expect(Object.keys(m).sort()).toEqual(["avatarMediaId", "joinedAt", "mutedUntil", "nickname", "profileNickname", "role", "userId"]);
    }
  });

  it("lists usable invites newest first ({ invites }), a member only their own", async () => {
    const g = await rankedGroup();
    const first = await call(g.owner, "POST", `/groups/${g.id}/invites`, {});
    const second = await call(g.admin, "POST", `/groups/${g.id}/invites`, {});
    expect([first.status, second.status]).toEqual([201, 201]);
    const all = await call(g.owner, "GET", `/groups/${g.id}/invites`);
    expect(Object.keys(all.body)).toEqual(["invites"]);
    expect(all.body.invites.map((i: { code: string }) => i.code)).toEqual([second.body.code, first.body.code]);
    expect(all.body.invites[0]).not.toHaveProperty("qrSvg");
    expect((await call(g.member, "GET", `/groups/${g.id}/invites`)).body).toEqual({ invites: [] });
  });

  it("lists join requests as { requests }, pending by default", async () => {
    const g = await rankedGroup();
    await call(g.owner, "PATCH", `/groups/${g.id}`, { joinPolicy: "approval" });
    const invite = await call(g.owner, "POST", `/groups/${g.id}/invites`, {});
    const asked = await call(g.outsider, "POST", `/invites/${invite.body.code}/accept`, { message: "hi" });
    expect(asked.status).toBe(202);
    const res = await call(g.admin, "GET", `/groups/${g.id}/join-requests`);
    expect(Object.keys(res.body)).toEqual(["requests"]);
    expect(res.body.requests).toHaveLength(1);
    expect(res.body.requests[0]).toMatchObject({ id: asked.body.requestId, userId: g.outsider.id, status: "pending", message: "hi", decidedBy: null });
  });

  it("answers entering a face-to-face room with the room: you entered, and its group's id", async () => {
    const [a] = await makeUsers(1);
    const joined = await call(a!, "POST", "/face-to-face/rooms", { code: "7391", latitude: 30.1, longitude: 120.1 });
    expect(joined.status).toBe(200);
    const entered = await call(a!, "POST", `/face-to-face/rooms/${joined.body.roomId}/enter`);
    expect(entered.status).toBe(200);
    expect(entered.body).toMatchObject({ roomId: joined.body.roomId, code: "7391", members: [{ userId: a!.id, entered: true }] });
    expect(entered.body.conversationId).toMatch(/^c_/);
    expect((await api("GET", `/conversations/${entered.body.conversationId}`, { token: a!.token })).status).toBe(200);
  });

  it("refuses a recall past the 2 minutes with 403 forbidden, and a second recall with 409", async () => {
    const [a, b] = await makeUsers(2);
    const dm = await openDirect(a!, b!);
    const old = await sendText(a!, dm, "an old one");
    await runInDurableObject(stub(dm), async (_o: ConversationObject, state) => {
      state.storage.sql.exec("update messages set created_at = created_at - ? where seq = ?", 121_000, old.body.seq);
    });
    const late = await api("POST", `/conversations/${dm}/messages/${old.body.seq}/recall`, { token: a!.token });
    expectError(late, 403, "forbidden");
    expect(late.body.error.message).toMatch(/2 minutes/);
    const fresh = await sendText(a!, dm, "a new one");
    expect((await api("POST", `/conversations/${dm}/messages/${fresh.body.seq}/recall`, { token: a!.token })).status).toBe(200);
    expectError(await api("POST", `/conversations/${dm}/messages/${fresh.body.seq}/recall`, { token: a!.token }), 409, "conflict");
  });

  it("keeps group operations under /groups/:id: adding and leaving, with the old /conversations paths as aliases", async () => {
    const g = await rankedGroup();
    const [x, y] = [await makeUser("x"), await makeUser("y")];
    await befriend(g.owner, x, y);
    const added = await call(g.owner, "POST", `/groups/${g.id}/members`, { userIds: [x.id] });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ added: [x.id], requested: [] });
    const viaAlias = await call(g.owner, "POST", `/conversations/${g.id}/members`, { userIds: [y.id] });
    expect(viaAlias.body).toMatchObject({ added: [y.id], requested: [] });
    const left = await call(x, "POST", `/groups/${g.id}/leave`);
    expect(left.status).toBe(200);
    expect(typeof left.body.seq).toBe("number");
    expect((await call(y, "POST", `/conversations/${g.id}/leave`)).status).toBe(200);
    const members = await call(g.owner, "GET", `/groups/${g.id}/members`);
    expect(members.body.members.map((m: { userId: string }) => m.userId)).not.toContain(x.id);
    expectError(await call(g.outsider, "POST", `/groups/${g.id}/members`, { userIds: [g.outsider.id] }), 403, "forbidden");
  });
});
