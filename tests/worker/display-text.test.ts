// Names and labels other people see cannot lie: no NUL, no bidi overrides, no zero-width-only or
// blank-letter names, no lone surrogates; NFC-normalised. Message text is left alone except
// lone surrogates. Every field through its real route, read back from where it is stored.
import { describe, expect, it } from "vitest";
import { api, count, expectError, type ApiResult } from "./helpers";
import { befriend, createGroup, makeUser, openDirect, sendText, SocketClient, type TestUser } from "./chat-helpers";

interface Ctx {
  me: TestUser;
  friend: TestUser;
  group: string;
}

interface Field {
  name: string;
  set(c: Ctx, value: string): Promise<ApiResult>;
  /** Where the value is kept, as others would read it. */
  stored(c: Ctx): Promise<string[]>;
}

const ok = (res: ApiResult) => {
  if (res.status >= 300) throw new Error(`expected success, got ${res.status} ${JSON.stringify(res.body)}`);
  return res;
};
const me = async (c: Ctx) => (await api("GET", `/users/${c.me.id}`, { token: c.friend.token })).body;
const group = async (c: Ctx) => ok(await api("GET", `/groups/${c.group}`, { token: c.friend.token })).body;

const FIELDS: Field[] = [
  { name: "nickname", set: (c, v) => api("PATCH", "/me", { token: c.me.token, body: { nickname: v } }), stored: async (c) => [(await me(c)).nickname] },
  { name: "signature", set: (c, v) => api("PATCH", "/me", { token: c.me.token, body: { signature: v } }), stored: async (c) => [(await me(c)).signature] },
  { name: "status", set: (c, v) => api("PATCH", "/me", { token: c.me.token, body: { status: v } }), stored: async (c) => [(await me(c)).status] },
  { name: "group name", set: (c, v) => api("PATCH", `/groups/${c.group}`, { token: c.me.token, body: { name: v } }), stored: async (c) => [(await group(c)).name] },
  {
    name: "group name at creation",
    set: (c, v) => api("POST", "/conversations", { token: c.me.token, body: { name: v, memberIds: [] } }),
    stored: async (c) => (await api("GET", "/conversations", { token: c.me.token })).body.conversations.map((x: { name: string }) => x.name),
  },
  { name: "announcement", set: (c, v) => api("PATCH", `/groups/${c.group}`, { token: c.me.token, body: { announcement: v } }), stored: async (c) => [(await group(c)).announcement] },
  {
    name: "group nickname",
    set: (c, v) => api("PATCH", `/groups/${c.group}/members/me`, { token: c.me.token, body: { nickname: v } }),
    stored: async (c) => (await group(c)).members.filter((m: { userId: string }) => m.userId === c.me.id).map((m: { nickname: string }) => m.nickname),
  },
  {
    name: "remark",
    set: (c, v) => api("PATCH", `/contacts/${c.friend.id}`, { token: c.me.token, body: { remark: v } }),
    stored: async (c) => [ok(await api("GET", `/contacts/${c.friend.id}`, { token: c.me.token })).body.remark],
  },
  {
    name: "tag",
    set: (c, v) => api("POST", "/contacts/tags", { token: c.me.token, body: { name: v } }),
    stored: async (c) => ok(await api("GET", "/contacts/tags", { token: c.me.token })).body.tags.map((t: { name: string }) => t.name),
  },
];

const BAD: { what: string; value: string; says: RegExp }[] = [
  { what: "a NUL", value: "Al\u0000ice", says: /control or invisible formatting characters \(U\+0000\)/ },
  { what: "a right-to-left override (U+202E)", value: "gnp.\u202Eexe", says: /\(U\+202E\)/ },
  { what: "only zero-width spaces", value: "\u200B\u200B", says: /\(U\+200B\)/ },
  { what: "only a zero-width joiner", value: "\u200D", says: /at least one visible character/ },
  { what: "only a Hangul filler (a blank letter)", value: "\u3164\u3164", says: /at least one visible character/ },
  { what: "a lone surrogate", value: "Bob\uD800", says: /lone UTF-16 surrogate/ },
];

const GOOD: { what: string; value: string; stored: string }[] = [
  { what: "Chinese", value: "张小龙", stored: "张小龙" },
  { what: "an emoji sequence joined with ZWJ", value: "👨‍👩‍👧", stored: "👨‍👩‍👧" },
  { what: "a decomposed é, stored composed (NFC)", value: "Cafe\u0301", stored: "Caf\u00E9" },
];

async function context(): Promise<Ctx> {
  const [meUser, friend] = [await makeUser("namer"), await makeUser("friend")];
  await befriend(meUser, friend);
  return { me: meUser, friend, group: await createGroup(meUser, [friend], "Start") };
}

describe.each(FIELDS)("the $name", (field) => {
  it("refuses NUL, U+202E, zero-width-only and blank-letter text and lone surrogates with 400 invalid_request, saying what is wrong, and keeps the old value", async () => {
    const c = await context();
    const before = await field.stored(c);
    for (const bad of BAD) {
      const res = await field.set(c, bad.value);
      expectError(res, 400, "invalid_request");
      expect(res.body.error.message, bad.what).toMatch(bad.says);
    }
    expect(await field.stored(c)).toEqual(before);
  });

  it("accepts Chinese and emoji with ZWJ, and stores a decomposed accent as one character", async () => {
    const c = await context();
    for (const good of GOOD) {
      ok(await field.set(c, good.value));
      expect(await field.stored(c), good.what).toContain(good.stored);
    }
  });
});

describe("names elsewhere", () => {
  it("refuses a sign-up whose nickname holds a control character, creating no account", async () => {
    const before = await count("users");
    const res = await api("POST", "/auth/register", { body: { username: "cleanname1", password: "passw0rd-ok", nickname: "x\u202Ey" } });
    expectError(res, 400, "invalid_request");
    expect(res.body.error.message).toMatch(/^nickname: Nickname cannot contain/);
    expect(await count("users")).toBe(before);
  });

  it("refuses the remark of a friend request and of its acceptance the same way", async () => {
    const [a, b] = [await makeUser("asker"), await makeUser("answerer")];
    expectError(await api("POST", "/contacts/requests", { token: a.token, body: { userId: b.id, remark: "\u200B" } }), 400, "invalid_request");
    const asked = ok(await api("POST", "/contacts/requests", { token: a.token, body: { userId: b.id } }));
    expectError(await api("POST", `/contacts/requests/${asked.body.request.id}/accept`, { token: b.token, body: { remark: "a\u0000" } }), 400, "invalid_request");
    expect(await count("friendships", "user_id = ?", a.id)).toBe(0);
  });

  it("refuses renaming a tag or giving a friend a tag that breaks the rule", async () => {
    const c = await context();
    ok(await api("POST", "/contacts/tags", { token: c.me.token, body: { name: "Work" } }));
    expectError(await api("PUT", "/contacts/tags/Work", { token: c.me.token, body: { name: "W\u202Eork" } }), 400, "invalid_request");
    expectError(await api("PATCH", `/contacts/${c.friend.id}`, { token: c.me.token, body: { tags: ["\uDC00"] } }), 400, "invalid_request");
    expect(ok(await api("GET", "/contacts/tags", { token: c.me.token })).body.tags.map((t: { name: string }) => t.name)).toEqual(["Work"]);
  });
});

describe("message text is not a name", () => {
  it("keeps format characters in a text message, as written", async () => {
    const [a, b] = [await makeUser("writer"), await makeUser("reader")];
    const id = await openDirect(a, b);
    const text = "abc\u202Edef \u200B 👨‍👩‍👧 Cafe\u0301";
    expect((await sendText(a, id, text)).status).toBe(201);
    const page = ok(await api("GET", `/conversations/${id}/messages`, { token: b.token })).body;
    expect(page.messages.at(-1).body.text).toBe(text);
  });

  it("refuses a lone surrogate in a text message, over REST and on the socket, storing nothing", async () => {
    const [a, b] = [await makeUser("writer"), await makeUser("reader")];
    const id = await openDirect(a, b);
    const res = await sendText(a, id, "half \uD83D of an emoji");
    expectError(res, 400, "invalid_request");
    expect(res.body.error.message).toMatch(/lone UTF-16 surrogate/);
    const socket = await SocketClient.connect(a.token);
    await socket.next((f) => f.type === "ready");
    socket.send({ type: "send", ref: "r1", conversationId: id, message: { clientId: "s1", type: "text", body: { text: "\uDE00" } } });
    const err = await socket.next((f) => f.type === "error" && (f as { ref?: string }).ref === "r1");
    expect(err).toMatchObject({ code: "invalid_request", message: expect.stringMatching(/lone UTF-16 surrogate/) });
    socket.close();
    const page = ok(await api("GET", `/conversations/${id}/messages`, { token: b.token })).body;
    expect(page.messages.filter((m: { type: string }) => m.type === "text")).toEqual([]);
  });
});
