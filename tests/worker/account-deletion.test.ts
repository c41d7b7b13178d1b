// Deleting an account (DELETE /me): re-authentication, what is deleted, what stays as a tombstone,
// groups handed over or dissolved, and a deletion that stops midway being finished by a retry.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DELETED_NICKNAME } from "../../schema/api";
import worker from "../../worker/index";
import { deleteAccount, finishDeletions } from "../../worker/services/deletion";
import { createGroup, history, makeUser, openDirect, sendText, SocketClient, type TestUser } from "./chat-helpers";
import { api, count, expectError, login, rows, signUp, wechatSignIn, startAtWindowBoundary } from "./helpers";
import { png, r2Keys, uploaded } from "./media-helpers";

async function passwordUser(prefix = "gone"): Promise<TestUser & { username: string; password: string }> {
  const s = await signUp(prefix);
  return { id: s.user.id, token: s.accessToken, nickname: s.user.nickname, username: s.username, password: s.password };
}

const del = (user: TestUser, body: unknown, ip?: string) => api("DELETE", "/me", { token: user.token, body, ip });

/** A user with a bit of everything: friends with tags, requests both ways, a block, media, groups, a direct chat. */
async function populated() {
  const x = await passwordUser();
  const [admin, member, stranger, asker, blocked, host] = [
    await makeUser("admin"),
    await makeUser("member"),
    await makeUser("stranger"),
    await makeUser("asker"),
    await makeUser("blocked"),
    await makeUser("host"),
  ];
  // Groups: one X owns with an admin (handed over to the admin, not the earlier member), one X is alone in, one X only joined.
  const owned = await createGroup(x, [member, admin], "Owned");
  expect((await api("PUT", `/groups/${owned}/admins/${admin.id}`, { token: x.token })).status).toBe(200);
  const alone = await createGroup(x, [], "Alone");
  const joined = await createGroup(host, [x], "Joined");
  // An invite X made, and a pending join request of X's in an approval group.
  expect((await api("POST", `/groups/${joined}/invites`, { token: x.token, body: {} })).status).toBe(201);
  const approval = await createGroup(host, [], "Approval");
  expect((await api("PATCH", `/groups/${approval}`, { token: host.token, body: { joinPolicy: "approval" } })).status).toBe(200);
  const invite = await api("POST", `/groups/${approval}/invites`, { token: host.token, body: {} });
  expect((await api("POST", `/invites/${invite.body.code}/accept`, { token: x.token, body: {} })).body.status).toBe("pending");
  // Contacts: a tag on each side, requests in both directions, a block.
  const direct = await openDirect(x, admin);
  expect((await api("POST", "/contacts/tags", { token: x.token, body: { name: "Work", userIds: [admin.id] } })).status).toBe(201);
  expect((await api("POST", "/contacts/tags", { token: admin.token, body: { name: "Old friends", userIds: [x.id] } })).status).toBe(201);
  expect((await api("POST", "/contacts/requests", { token: x.token, body: { userId: stranger.id } })).status).toBe(201);
  expect((await api("POST", "/contacts/requests", { token: asker.token, body: { userId: x.id } })).status).toBe(201);
  expect((await api("PUT", `/contacts/blocks/${blocked.id}`, { token: x.token })).status).toBe(204);
  // Media: an avatar and a picture sent to the direct chat.
  const avatar = await uploaded(x, png(4, 3, 1));
  expect((await api("PATCH", "/me", { token: x.token, body: { avatarMediaId: avatar.id } })).status).toBe(200);
  const picture = await uploaded(x, png(5, 5, 2));
  expect((await api("POST", `/conversations/${direct}/messages`, { token: x.token, body: { clientId: "pic", type: "image", body: { mediaId: picture.id, width: 5, height: 5 } } })).status).toBe(201);
  expect((await sendText(x, direct, "see you")).status).toBe(201);
  return { x, admin, member, stranger, asker, blocked, host, owned, alone, joined, approval, direct, media: [avatar.id, picture.id] };
}

describe("DELETE /me: re-authentication", () => {
  // Counts up to fixed-window limits: start at a window boundary so no count is reset mid-spec.
  beforeEach(startAtWindowBoundary);
  afterEach(() => {
    vi.useRealTimers();
  });

  it("refuses a wrong password with 403 wrong_password and changes nothing", async () => {
    const x = await passwordUser();
    expectError(await del(x, { password: "not-the-passw0rd" }), 403, "wrong_password");
    expect((await api("GET", "/me", { token: x.token })).status).toBe(200);
    expect(await count("users", "id = ? and deleted_at is null and password_hash is not null", x.id)).toBe(1);
    expect((await login(x.username, x.password)).status).toBe(200);
  });

  it("counts wrong passwords with failed sign-ins and answers 429 with Retry-After when they run out", async () => {
    const x = await passwordUser();
    for (let i = 0; i < 5; i++) expectError(await del(x, { password: `wrong-${i}` }), 403, "wrong_password");
    const limited = await del(x, { password: x.password });
    expectError(limited, 429, "rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await count("users", "id = ? and deleted_at is null", x.id)).toBe(1);
  });

  it("asks a password account for its password, and an account without one for confirm: DELETE", async () => {
    const x = await passwordUser();
    expectError(await del(x, { confirm: "DELETE" }), 400, "invalid_request");
    const w = await makeUser("wechat");
    expectError(await del(w, { password: "anything1" }), 400, "invalid_request");
    expectError(await del(w, { confirm: "delete" }), 400, "invalid_request");
    expectError(await del(w, {}), 400, "invalid_request");
    expect(await count("users", "id in (?, ?) and deleted_at is null", x.id, w.id)).toBe(2);
    const done = await del(w, { confirm: "DELETE" });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ handedOver: [], dissolved: [] });
    expect(await count("users", "id = ? and deleted_at is not null and openid is null", w.id)).toBe(1);
  });
});

describe("DELETE /me: what is deleted and what remains", () => {
  it("deletes credentials, contacts on both sides, tags, requests, blocks, join requests, invites and media, and leaves a tombstone", async () => {
    const p = await populated();
    const keysBefore = await r2Keys();
    expect(keysBefore).toEqual(expect.arrayContaining(p.media.map((id) => `media/${id}`)));
    const [session] = await rows<{ id: string }>("select id from sessions where user_id = ?", p.x.id);
    expect(await count("refresh_tokens", "session_id = ?", session!.id)).toBe(1);
    const res = await del(p.x, { password: p.x.password });
    expect(res.status).toBe(200);
    expect(res.body.handedOver).toEqual([{ conversationId: p.owned, to: p.admin.id }]);
    expect(res.body.dissolved).toEqual([p.alone]);

    const [u] = await rows<Record<string, unknown>>("select * from users where id = ?", p.x.id);
    expect(u).toMatchObject({ username: null, openid: null, unionid: null, password_hash: null, nickname: DELETED_NICKNAME, avatar_media_id: null, signature: "", status: "" });
    expect(u!.deleted_at).toEqual(expect.any(Number));
    expect(u!.deletion_finished_at).toEqual(expect.any(Number));
    expect(await count("sessions", "user_id = ?", p.x.id)).toBe(0);
    expect(await count("refresh_tokens", "session_id = ?", session!.id)).toBe(0);
    expect(await count("friendships", "user_id = ? or friend_id = ?", p.x.id, p.x.id)).toBe(0);
    expect(await count("contact_tags", "user_id = ?", p.x.id)).toBe(0);
    expect(await count("friend_requests", "from_user_id = ? or to_user_id = ?", p.x.id, p.x.id)).toBe(0);
    expect(await count("blocks", "user_id = ? or blocked_id = ?", p.x.id, p.x.id)).toBe(0);
    expect(await count("join_requests", "user_id = ?", p.x.id)).toBe(0);
    expect(await count("invites", "created_by = ?", p.x.id)).toBe(0);
    expect(await count("media", "owner_id = ?", p.x.id)).toBe(0);
    expect(await count("media_refs", "media_id in (?, ?)", ...p.media)).toBe(0);
    const keysAfter = await r2Keys();
    for (const id of p.media) expect(keysAfter).not.toContain(`media/${id}`);
    // Their friend keeps the tag itself, without the deleted account in it.
    expect((await api("GET", "/contacts/tags", { token: p.admin.token })).body.tags).toEqual([expect.objectContaining({ name: "Old friends", count: 0 })]);
    // Groups: only the direct chat's membership stays (the peer keeps the history).
    expect(await rows("select c.kind from memberships m join conversations c on c.id = m.conversation_id where m.user_id = ?", p.x.id)).toEqual([{ kind: "direct" }]);
  });

  it("lets the person sign up again with the same username, and signs nobody in to the old account", async () => {
    const x = await passwordUser();
    expect((await del(x, { password: x.password })).status).toBe(200);
    expectError(await login(x.username, x.password), 401, "invalid_credentials");
    const again = await api("POST", "/auth/register", { body: { username: x.username, password: x.password } });
    expect(again.status).toBe(201);
    expect(again.body.user.id).not.toBe(x.id);
  });

  it("lets a WeChat user sign in again afterwards as a new account: the openid is not kept", async () => {
    const name = `deleter${Date.now().toString(36)}`;
    const first = await wechatSignIn(name);
    expect((await api("DELETE", "/me", { token: first.accessToken, body: { confirm: "DELETE" } })).status).toBe(200);
    const again = await wechatSignIn(name);
    expect(again.created).toBe(true);
    expect(again.user.id).not.toBe(first.user.id);
    expect(await count("users", "openid = ?", `openid-${name}`)).toBe(1);
  });

  it("ends the deleted account's tokens (401) and closes its open socket", async () => {
    const x = await passwordUser();
    const socket = await SocketClient.connect(x.token);
    await socket.next((f) => f.type === "ready");
    expect((await del(x, { password: x.password })).status).toBe(200);
    const closed = await socket.waitClosed();
    expect(closed).toEqual({ code: 4403, reason: "account_deleted" });
    expectError(await api("GET", "/me", { token: x.token }), 401, "token_revoked");
    expectError(await api("GET", "/conversations", { token: x.token }), 401, "token_revoked");
  });

  it("shows others the deleted sender as a deleted account: history stays, profile is a tombstone, sends are refused", async () => {
    const p = await populated();
    expect((await del(p.x, { password: p.x.password })).status).toBe(200);
    const msgs = await history(p.admin, p.direct);
    const text = msgs.find((m) => m.type === "text" && (m.body as { text?: string }).text === "see you");
    expect(text?.senderId).toBe(p.x.id);
    const profile = await api("GET", `/users/${p.x.id}`, { token: p.admin.token });
    expect(profile.status).toBe(200);
    expect(profile.body).toEqual({ id: p.x.id, username: null, nickname: DELETED_NICKNAME, avatarMediaId: null, signature: "", status: "", deleted: true });
    const list = await api("GET", "/conversations", { token: p.admin.token });
    const chat = list.body.conversations.find((c: { id: string }) => c.id === p.direct);
    expect(chat.peer).toEqual({ id: p.x.id, nickname: DELETED_NICKNAME, avatarMediaId: null });
    expectError(await sendText(p.admin, p.direct, "are you there?"), 410, "account_deleted");
    expectError(await api("POST", "/contacts/requests", { token: p.admin.token, body: { userId: p.x.id } }), 410, "account_deleted");
    expect((await api("GET", `/users/search?q=${p.x.id}`, { token: p.admin.token })).body.users).toEqual([]);
  });

  it("hands an owned group to the longest-standing admin, or member when there is none, and dissolves one it was alone in", async () => {
    const p = await populated();
    const [a, b] = [await makeUser("first"), await makeUser("second")];
    const noAdmins = await createGroup(p.x, [a, b], "No admins");
    expect((await del(p.x, { password: p.x.password })).status).toBe(200);
    const owned = await api("GET", `/groups/${p.owned}`, { token: p.admin.token });
    expect(owned.body.members.map((m: { userId: string; role: string }) => [m.userId, m.role])).toEqual([
      [p.admin.id, "owner"],
      [p.member.id, "member"],
    ]);
    // Created together: the tie goes to the lower id, the same on every retry.
    const heir = [a.id, b.id].sort()[0]!;
    expect((await api("GET", `/groups/${noAdmins}`, { token: a.token })).body.members.find((m: { role: string }) => m.role === "owner").userId).toBe(heir);
    expect(await rows("select dissolved_at is not null as dissolved, member_count from conversations where id = ?", p.alone)).toEqual([{ dissolved: 1, member_count: 0 }]);
    const joined = await api("GET", `/groups/${p.joined}`, { token: p.host.token });
    expect(joined.body.members.map((m: { userId: string }) => m.userId)).toEqual([p.host.id]);
    const events = (await history(p.host, p.joined)).map((m) => (m.body as { event?: string }).event);
    expect(events.at(-1)).toBe("left");
  });
});

describe("DELETE /me: interrupted and retried", () => {
  it("finishes a deletion that failed midway when the daily cron runs, and changes nothing when run again", async () => {
    const p = await populated();
    // The conversation objects are unreachable the first time: the first step that needs one throws.
    const broken = {
      ...env,
      CONVERSATION: {
        idFromName: env.CONVERSATION.idFromName.bind(env.CONVERSATION),
        get: () => {
          throw new Error("conversation objects unavailable");
        },
      },
    } as unknown as Cloudflare.Env;
    await expect(deleteAccount(broken, p.x.id)).rejects.toThrow("conversation objects unavailable");
    // Already: the identity is gone and no token works, though the groups and media are not done yet.
    expect(await rows("select username, deletion_finished_at from users where id = ?", p.x.id)).toEqual([{ username: null, deletion_finished_at: null }]);
    expectError(await api("GET", "/me", { token: p.x.token }), 401, "token_revoked");
    expect(await count("memberships", "user_id = ? and conversation_id = ?", p.x.id, p.owned)).toBe(1);
    expect(await count("media", "owner_id = ?", p.x.id)).toBe(2);

    // The daily cron finishes it.
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "17 3 * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await count("memberships", "user_id = ? and conversation_id != ?", p.x.id, p.direct)).toBe(0);
    expect(await count("friendships", "user_id = ? or friend_id = ?", p.x.id, p.x.id)).toBe(0);
    expect(await count("media", "owner_id = ?", p.x.id)).toBe(0);
    expect((await api("GET", `/groups/${p.owned}`, { token: p.admin.token })).body.members.find((m: { role: string }) => m.role === "owner").userId).toBe(p.admin.id);
    expect(await count("users", "id = ? and deletion_finished_at is not null", p.x.id)).toBe(1);
    // Nothing left to finish, and running the whole deletion again changes nothing.
    expect(await finishDeletions(env)).toBe(0);
    expect(await deleteAccount(env, p.x.id)).toEqual({ handedOver: [], dissolved: [] });
    expect((await api("GET", `/groups/${p.owned}`, { token: p.admin.token })).body.members).toHaveLength(2);
  });
});
