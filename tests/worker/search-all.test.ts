// The search box at the top of Chats (GET /search) and message search across chats
// (GET /search/messages): contacts by remark, name, Qun ID and tag; groups by name and by a
// member's name; messages grouped by chat, most recently active chat first, with a cursor; and
// never a chat the caller left. Real D1 and conversation objects.
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users } from "../../schema/d1";
import type { MessagesSearchResponse, SearchResponse } from "../../schema/search";
import { db } from "../../worker/db";
import { befriend, createGroup, makeUser, openDirect, sendText, type TestUser } from "./chat-helpers";
import { call } from "./group-helpers";
import { api, expectError } from "./helpers";

const searchAll = (user: TestUser, q: string) => api<SearchResponse>("GET", `/search?q=${encodeURIComponent(q)}`, { token: user.token });
const searchMessages = (user: TestUser, query: Record<string, string>) => api<MessagesSearchResponse>("GET", `/search/messages?${new URLSearchParams(query)}`, { token: user.token });

describe("messages across chats", () => {
  it("groups matches by chat, the most recently active chat first, newest match first, with counts and snippets", async () => {
    const [alice, bob, carol] = [await makeUser("alice"), await makeUser("bob"), await makeUser("carol")];
    const withBob = await openDirect(alice, bob);
    const team = await createGroup(alice, [bob, carol], "项目组");
    const withCarol = await openDirect(alice, carol);
    await sendText(bob, withBob, "明天开会吗");
    await sendText(carol, team, "下午开会");
    await sendText(carol, team, "开会改到三点");
    await sendText(carol, withCarol, "不相关的消息");
    await sendText(bob, withBob, "好的，明天见"); // withBob is now the most recent

    const res = await searchAll(alice, "开会");
    expect(res.status).toBe(200);
    const chats = res.body.messages.chats;
    expect(chats.map((c) => [c.conversation.id, c.total])).toEqual([
      [withBob, 1],
      [team, 2],
    ]);
    expect(chats[1]!.conversation).toMatchObject({ kind: "group", name: "项目组" });
    expect(chats[1]!.hits.map((h) => h.snippet)).toEqual(["开会改到三点", "下午开会"]);
    expect(chats[1]!.hits[0]!.highlights).toEqual([[0, 2]]);
    expect(chats[0]!.conversation.name).toBe(bob.nickname);
    expect(res.body.messages).toMatchObject({ cursor: null, searched: 3 });
  });

  it("never searches a group the caller left, nor finds its messages", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const group = await createGroup(alice, [bob]);
    await sendText(alice, group, "留下的秘密");
    expect((await searchAll(bob, "秘密")).body.messages.chats).toHaveLength(1);
    expect((await call(bob, "POST", `/groups/${group}/leave`)).status).toBe(200);
    expect((await searchAll(bob, "秘密")).body.messages.chats).toEqual([]);
    expect((await searchMessages(bob, { q: "秘密", conversationId: group })).body.chats).toEqual([]);
  });

  it("takes the same filters as a search in one chat, and one conversation", async () => {
    const [alice, bob, carol] = [await makeUser("alice"), await makeUser("bob"), await makeUser("carol")];
    const withBob = await openDirect(alice, bob);
    const withCarol = await openDirect(alice, carol);
    await sendText(alice, withBob, "report from alice");
    await sendText(bob, withBob, "report from bob");
    await sendText(carol, withCarol, "report from carol");
    const received = await searchMessages(alice, { q: "report", direction: "received" });
    expect(received.body.chats.flatMap((c) => c.hits.map((h) => h.snippet)).sort()).toEqual(["report from bob", "report from carol"]);
    const fromCarol = await searchMessages(alice, { q: "report", senderId: carol.id });
    expect(fromCarol.body.chats.map((c) => c.conversation.id)).toEqual([withCarol]);
    const one = await searchMessages(alice, { q: "report", conversationId: withBob });
    expect(one.body.chats.map((c) => [c.conversation.id, c.total])).toEqual([[withBob, 2]]);
  });

  it("pages through chats with a cursor when there are more than a page, and refuses a forged cursor", async () => {
    const alice = await makeUser("alice");
    const others = await Promise.all(Array.from({ length: 22 }, () => makeUser("friend")));
    const chats: string[] = [];
    for (const o of others) {
      const chat = await openDirect(alice, o);
      await sendText(o, chat, `hello ${o.nickname}`);
      chats.unshift(chat); // newest first
    }
    const first = await searchMessages(alice, { q: "hello" });
    expect(first.body.chats).toHaveLength(20);
    expect(first.body.cursor).not.toBeNull();
    const second = await searchMessages(alice, { q: "hello", cursor: first.body.cursor! });
    const all = [...first.body.chats, ...second.body.chats].map((c) => c.conversation.id);
    expect(all).toEqual(chats);
    expect(second.body.cursor).toBeNull();
    expectError(await searchMessages(alice, { q: "hello", cursor: "not-a-cursor" }), 400, "invalid_request");
  }, 30_000);

  it("needs a signed-in caller and a query", async () => {
    const alice = await makeUser("alice");
    expectError(await api("GET", "/search?q=x"), 401, "unauthorized");
    expectError(await api("GET", "/search", { token: alice.token }), 400, "invalid_request");
    expectError(await api("GET", "/search/messages?q=x&kind=photo", { token: alice.token }), 400, "invalid_request");
  });
});

describe("contacts and groups", () => {
  it("finds friends by remark, name, Qun ID and tag, and nobody who is not a friend", async () => {
    const [alice, bob, carol, dave, stranger] = [await makeUser("alice"), await makeUser("bob"), await makeUser("carol"), await makeUser("dave"), await makeUser("张伟")];
    await befriend(alice, bob, carol, dave);
    await db(env).update(users).set({ username: "zhangwei_88" }).where(eq(users.id, dave.id));
    expect((await api("PATCH", `/contacts/${bob.id}`, { token: alice.token, body: { remark: "张伟老师" } })).status).toBe(200);
    expect((await api("POST", "/contacts/tags", { token: alice.token, body: { name: "张家人", userIds: [carol.id] } })).status).toBe(201);

    const res = await searchAll(alice, "张");
    const byId = Object.fromEntries(res.body.contacts.map((c) => [c.userId, c]));
    expect(byId[bob.id]).toMatchObject({ matched: "remark", remark: "张伟老师" });
    expect(byId[carol.id]).toMatchObject({ matched: "tag", tag: "张家人" });
    expect(byId[stranger.id]).toBeUndefined();
    expect((await searchAll(alice, "ZHANGWEI")).body.contacts.map((c) => [c.userId, c.matched])).toEqual([[dave.id, "username"]]);
    // LIKE's own characters are plain text.
    expect((await searchAll(alice, "%")).body.contacts).toEqual([]);
  });

  it("finds groups by name and by a member's name, only groups the caller is in", async () => {
    const [alice, bob, carol, eve] = [await makeUser("alice"), await makeUser("bob"), await makeUser("王芳"), await makeUser("eve")];
    const named = await createGroup(alice, [bob], "周末爬山");
    const withCarol = await createGroup(alice, [carol], "读书会");
    await createGroup(eve, [], "爬山俱乐部");
    const byName = await searchAll(alice, "爬山");
    expect(byName.body.groups.map((g) => g.conversation.id)).toEqual([named]);
    const byMember = await searchAll(alice, "王芳");
    expect(byMember.body.groups).toEqual([{ conversation: { id: withCarol, kind: "group", name: "读书会", avatarMediaId: null }, memberCount: 2, member: { userId: carol.id, name: carol.nickname } }]);
  });
});
