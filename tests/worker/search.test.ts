// Message search inside one chat (GET /conversations/:id/search) and history around a result
// (?around=seq): Chinese queries of 1, 2 and 3+ characters, English by word prefix without case
// or accents, the filters, and the privacy rules history follows (join visibility, recall, left
// groups, blocks). Real D1 and conversation objects.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChatSearchResult } from "../../schema/search";
import type { ConversationObject } from "../../worker/conversation/object";
import { befriend, createGroup, history, makeUser, openDirect, sendText, type TestUser } from "./chat-helpers";
import { call, patchGroup } from "./group-helpers";
import { api, expectError } from "./helpers";

async function search(user: TestUser, chat: string, query: Record<string, string | number>) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  return api<ChatSearchResult>("GET", `/conversations/${chat}/search?${qs}`, { token: user.token });
}

async function found(user: TestUser, chat: string, q: string, extra: Record<string, string | number> = {}): Promise<string[]> {
  const res = await search(user, chat, { q, ...extra });
  if (res.status !== 200) throw new Error(`search: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.hits.map((h) => (h.message.body as { text: string }).text);
}

async function pair(): Promise<{ alice: TestUser; bob: TestUser; chat: string }> {
  const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
  return { alice, bob, chat: await openDirect(alice, bob) };
}

describe("searching one chat in Chinese", () => {
  it("finds a two-character word wherever it sits in a sentence, and nothing that only shares one of its characters", async () => {
    const { alice, bob, chat } = await pair();
    await sendText(alice, chat, "明天下午三点开会");
    await sendText(bob, chat, "开会地点在三楼");
    await sendText(alice, chat, "会议室已经订好了");
    await sendText(bob, chat, "我们开始吧");
    expect(await found(bob, chat, "开会")).toEqual(["开会地点在三楼", "明天下午三点开会"]);
    expect(await found(bob, chat, "明天")).toEqual(["明天下午三点开会"]);
    expect(await found(bob, chat, "三楼")).toEqual(["开会地点在三楼"]);
  });

  it("finds a single character at the start, middle or end of a run", async () => {
    const { alice, bob, chat } = await pair();
    await sendText(alice, chat, "好");
    await sendText(alice, chat, "你好吗");
    await sendText(alice, chat, "很好");
    await sendText(alice, chat, "再见");
    expect(await found(bob, chat, "好")).toEqual(["很好", "你好吗", "好"]);
    expect(await found(bob, chat, "见")).toEqual(["再见"]);
  });

  it("finds a phrase of three or more characters only where its characters are consecutive", async () => {
    const { alice, bob, chat } = await pair();
    await sendText(alice, chat, "北京大学的图书馆");
    await sendText(alice, chat, "北京的大学很多");
    expect(await found(bob, chat, "北京大学")).toEqual(["北京大学的图书馆"]);
    expect(await found(bob, chat, "图书馆")).toEqual(["北京大学的图书馆"]);
    expect(await found(bob, chat, "京大")).toEqual(["北京大学的图书馆"]);
  });

  it("matches mixed Chinese and English, every part required", async () => {
    const { alice, bob, chat } = await pair();
    await sendText(alice, chat, "周五的Demo开会");
    await sendText(alice, chat, "周五开会");
    expect(await found(bob, chat, "demo 开会")).toEqual(["周五的Demo开会"]);
  });
});

describe("searching one chat in English", () => {
  it("matches word prefixes without regard to case or accents, and not the middle of a word", async () => {
    const { alice, bob, chat } = await pair();
    await sendText(alice, chat, "Meeting at the Café tomorrow");
    await sendText(alice, chat, "a cafeteria lunch");
    await sendText(alice, chat, "nothing relevant");
    expect(await found(bob, chat, "MEET")).toEqual(["Meeting at the Café tomorrow"]);
    expect(await found(bob, chat, "cafe")).toEqual(["a cafeteria lunch", "Meeting at the Café tomorrow"]);
    expect(await found(bob, chat, "café tomorrow")).toEqual(["Meeting at the Café tomorrow"]);
    expect(await found(bob, chat, "eting")).toEqual([]);
  });

  it("returns a snippet with the match marked, a count, and pages with before", async () => {
    const { alice, bob, chat } = await pair();
    for (let i = 1; i <= 5; i++) await sendText(alice, chat, `report number ${i}`);
    const first = await search(bob, chat, { q: "Report", limit: 2 });
    expect(first.body.total).toBe(5);
    expect(first.body.hits.map((h) => h.message.seq)).toEqual([5, 4]);
    const hit = first.body.hits[0]!;
    expect(hit.snippet).toBe("report number 5");
    expect(hit.highlights).toEqual([[0, 6]]);
    const next = await search(bob, chat, { q: "report", limit: 2, before: first.body.nextBefore! });
    expect(next.body.hits.map((h) => h.message.seq)).toEqual([3, 2]);
    const last = await search(bob, chat, { q: "report", limit: 2, before: next.body.nextBefore! });
    expect(last.body).toMatchObject({ nextBefore: null, total: null });
    expect(last.body.hits.map((h) => h.message.seq)).toEqual([1]);
  });

  it("refuses a query with nothing to look for, and a search with neither query nor filter", async () => {
    const { bob, chat } = await pair();
    expectError(await search(bob, chat, { q: "!!!" }), 400, "invalid_request");
    expectError(await search(bob, chat, {}), 400, "invalid_request");
    expectError(await search(bob, chat, { q: "x".repeat(65) }), 400, "invalid_request");
  });
});

describe("filters", () => {
  it("by sender, direction, kind and time", async () => {
    const { alice, bob, chat } = await pair();
    await sendText(alice, chat, "alpha from alice");
    await sendText(bob, chat, "alpha from bob");
    await sendText(bob, chat, "see https://example.com/alpha");
    expect(await found(bob, chat, "alpha", { senderId: alice.id })).toEqual(["alpha from alice"]);
    expect(await found(bob, chat, "alpha", { direction: "sent" })).toEqual(["see https://example.com/alpha", "alpha from bob"]);
    expect(await found(bob, chat, "alpha", { direction: "received" })).toEqual(["alpha from alice"]);
    expect(await found(alice, chat, "alpha", { kind: "link" })).toEqual(["see https://example.com/alpha"]);
    // No keyword: the kind alone lists the chat's links.
    expect((await search(alice, chat, { kind: "link" })).body.hits.map((h) => h.message.seq)).toEqual([3]);
    const all = await history(alice, chat, "?after=0");
    const second = all.find((m) => m.seq === 2)!;
    expect(await found(bob, chat, "alpha", { since: second.createdAt, until: second.createdAt + 1 })).toEqual(["alpha from bob"]);
  });
});

describe("privacy: a search shows what history shows", () => {
  it("never finds a recalled message, nor its recall notice", async () => {
    const { alice, bob, chat } = await pair();
    const sent = await sendText(alice, chat, "密码是1234");
    await sendText(alice, chat, "密码改了");
    expect(await found(bob, chat, "密码")).toHaveLength(2);
    expect((await api("POST", `/conversations/${chat}/messages/${sent.body.seq}/recall`, { token: alice.token })).status).toBe(200);
    expect(await found(bob, chat, "密码")).toEqual(["密码改了"]);
    expect(await found(bob, chat, "1234")).toEqual([]);
    // Its words are gone from the index itself, not only filtered out of answers.
    const stub = env.CONVERSATION.get(env.CONVERSATION.idFromName(chat));
    const left = await runInDurableObject(
      stub,
      async (_o: ConversationObject, state) => state.storage.sql.exec("SELECT rowid FROM message_search WHERE message_search MATCH ?", `"1234"*`).toArray().length,
    );
    expect(left).toBe(0);
  });

  it("never finds a message the searcher deleted for themselves, nor opens it in context, while others still find it", async () => {
    const { alice, bob, chat } = await pair();
    const sent = await sendText(alice, chat, "地址是人民路8号");
    await sendText(alice, chat, "地址改了");
    expect((await api("POST", `/conversations/${chat}/messages/${sent.body.seq}/hide`, { token: bob.token })).status).toBe(200);
    expect(await found(bob, chat, "地址")).toEqual(["地址改了"]);
    expect(await found(alice, chat, "地址")).toEqual(["地址改了", "地址是人民路8号"]);
    expectError(await api("GET", `/conversations/${chat}/messages?around=${sent.body.seq}`, { token: bob.token }), 404, "not_found");
    expect((await api("GET", `/conversations/${chat}/messages?around=${sent.body.seq}`, { token: alice.token })).status).toBe(200);
  });

  it("hides messages from before a member joined while the group hides earlier history, and shows them when it does not", async () => {
    const [alice, bob, carol, dave] = [await makeUser("alice"), await makeUser("bob"), await makeUser("carol"), await makeUser("dave")];
    const group = await createGroup(alice, [bob]);
    await sendText(bob, group, "秘密计划");
    await befriend(alice, carol, dave);
    await call(alice, "POST", `/groups/${group}/members`, { userIds: [carol.id] });
    await sendText(bob, group, "新的计划");
    expect(await found(carol, group, "计划")).toEqual(["新的计划"]);
    expect(await found(bob, group, "计划")).toEqual(["新的计划", "秘密计划"]);
    // Around a hidden seq is as hidden as the message itself.
    expectError(await api("GET", `/conversations/${group}/messages?around=2`, { token: carol.token }), 404, "not_found");

    expect((await patchGroup(alice, group, { newMembersSeeHistory: true })).status).toBe(200);
    await call(alice, "POST", `/groups/${group}/members`, { userIds: [dave.id] });
    expect(await found(dave, group, "计划")).toEqual(["新的计划", "秘密计划"]);
  });

  it("shows quotes of hidden messages as unavailable in a hit, as history does", async () => {
    const [alice, bob, carol] = [await makeUser("alice"), await makeUser("bob"), await makeUser("carol")];
    const group = await createGroup(alice, [bob]);
    const early = await sendText(bob, group, "early words");
    await befriend(alice, carol);
    await call(alice, "POST", `/groups/${group}/members`, { userIds: [carol.id] });
    await sendText(alice, group, "replying to early", { replyTo: early.body.seq });
    const res = await search(carol, group, { q: "replying" });
    expect(res.body.hits[0]!.message.replyTo).toEqual({ seq: early.body.seq, unavailable: true });
  });

  it("refuses a member who left the group, and someone who was never in it", async () => {
    const [alice, bob, eve] = [await makeUser("alice"), await makeUser("bob"), await makeUser("eve")];
    const group = await createGroup(alice, [bob]);
    await sendText(alice, group, "team secrets");
    expect(await found(bob, group, "secrets")).toHaveLength(1);
    expect((await call(bob, "POST", `/groups/${group}/leave`)).status).toBe(200);
    expectError(await search(bob, group, { q: "secrets" }), 403, "forbidden");
    expectError(await search(eve, group, { q: "secrets" }), 403, "forbidden");
    expectError(await search(eve, "c_doesnotexist00000000000", { q: "x" }), 404, "not_found");
  });

  it("keeps a blocked person's earlier messages findable, as their history stays, and finds nothing of refused sends", async () => {
    const { alice, bob, chat } = await pair();
    await sendText(bob, chat, "before the block 你好");
    expect((await api("PUT", `/contacts/blocks/${bob.id}`, { token: alice.token })).status).toBe(204);
    expectError(await sendText(bob, chat, "after the block 你好"), 403, "blocked");
    expect(await found(alice, chat, "你好")).toEqual(["before the block 你好"]);
    expect(await found(bob, chat, "block")).toEqual(["before the block 你好"]);
  });
});

describe("history around a message", () => {
  it("loads the messages on both sides of a seq, by the same rules as history", async () => {
    const { alice, bob, chat } = await pair();
    for (let i = 1; i <= 21; i++) await sendText(alice, chat, `m${i}`);
    const res = await api("GET", `/conversations/${chat}/messages?around=10&limit=6`, { token: bob.token });
    expect(res.status).toBe(200);
    expect(res.body.messages.map((m: { seq: number }) => m.seq)).toEqual([8, 9, 10, 11, 12, 13]);
    expect(res.body).toMatchObject({ hasMore: true, lastSeq: 21 });
    const edge = await api("GET", `/conversations/${chat}/messages?around=20&limit=6`, { token: bob.token });
    expect(edge.body.messages.map((m: { seq: number }) => m.seq)).toEqual([18, 19, 20, 21]);
    expectError(await api("GET", `/conversations/${chat}/messages?around=99`, { token: bob.token }), 404, "not_found");
  });
});

describe("the index of messages stored before it existed", () => {
  it("is built on first use, in batches, and later messages are indexed as they are stored", async () => {
    const { alice, bob, chat } = await pair();
    await sendText(alice, chat, "旧消息一");
    await sendText(alice, chat, "旧消息二");
    // As an object created before migration 0003 would be: its messages unindexed, the backfill pending.
    const stub = env.CONVERSATION.get(env.CONVERSATION.idFromName(chat));
    await runInDurableObject(stub, async (_o: ConversationObject, state) => {
      state.storage.sql.exec("DELETE FROM message_search");
      state.storage.sql.exec("UPDATE search_backfill SET next_seq = 1, end_seq = 2");
    });
    await sendText(alice, chat, "新消息");
    expect(await found(bob, chat, "消息")).toEqual(["新消息", "旧消息二", "旧消息一"]);
    const [row] = await runInDurableObject(stub, async (_o, state) => state.storage.sql.exec("SELECT next_seq, end_seq FROM search_backfill").toArray());
    expect(row).toEqual({ next_seq: 3, end_seq: 2 });
  });
});

describe("SQLite in a conversation object", () => {
  it("has FTS5 with the unicode61 and trigram tokenizers (docs/search.md#matching)", async () => {
    const { chat } = await pair();
    const stub = env.CONVERSATION.get(env.CONVERSATION.idFromName(chat));
    const found = await runInDurableObject(stub, async (_o: ConversationObject, state) => {
      const sql = state.storage.sql;
      sql.exec("CREATE VIRTUAL TABLE probe_tri USING fts5(t, tokenize = 'trigram')");
      sql.exec("INSERT INTO probe_tri (rowid, t) VALUES (1, '明天下午开会')");
      const tri = sql.exec("SELECT rowid FROM probe_tri WHERE probe_tri MATCH '下午开'").toArray().length;
      sql.exec("DROP TABLE probe_tri");
      return { tri, bigram: sql.exec("SELECT count(*) AS n FROM message_search").one().n };
    });
    expect(found).toEqual({ tri: 1, bigram: 0 });
  });
});

describe("building the index of a large old chat", () => {
  it("lets sends in between its batches", async () => {
    const { alice, bob, chat } = await pair();
    await sendText(alice, chat, "first");
    const stub = env.CONVERSATION.get(env.CONVERSATION.idFromName(chat));
    // 3,000 messages stored as if before migration 0003: unindexed, the backfill pending.
    await runInDurableObject(stub, async (_o: ConversationObject, state) => {
      for (let seq = 2; seq <= 3001; seq++) {
        state.storage.sql.exec(
          "INSERT INTO messages (seq, id, sender_id, type, body, created_at) VALUES (?, ?, ?, 'text', ?, ?)",
          seq,
          `m_old${seq}`,
          alice.id,
          JSON.stringify({ text: `旧的消息 ${seq}` }),
          seq,
        );
      }
      state.storage.sql.exec("DELETE FROM message_search");
      state.storage.sql.exec("UPDATE search_backfill SET next_seq = 1, end_seq = 3001");
    });
    // The object caches its last seq: wake it afresh so it sees the rows written underneath it.
    await runInDurableObject(stub, async (o: ConversationObject) => (o as unknown as { state: { load(): void } }).state.load());
    const progress = async () => Number((await runInDurableObject(stub, async (_o, state) => state.storage.sql.exec("SELECT next_seq FROM search_backfill").one().next_seq)) as number);
    const searching = search(bob, chat, { q: "消息" });
    while ((await progress()) === 1) await new Promise((r) => setTimeout(r, 1));
    const sent = await sendText(bob, chat, "a send during the backfill");
    expect(sent.status).toBe(201);
    expect(await progress()).toBeLessThan(3002);
    const res = await searching;
    expect(res.body.total).toBe(999); // counted up to the cap
    expect(res.body.hits[0]!.message.seq).toBe(3001);
  });
});

describe("the benchmark's seeding route", () => {
  it("does not exist outside development", async () => {
    const { alice, chat } = await pair();
    expectError(await api("POST", `/dev/conversations/${chat}/seed`, { token: alice.token, body: { messages: [{ text: "x", at: 1 }] } }), 404, "not_found");
    expect(await history(alice, chat, "?after=0")).toEqual([]);
  });
});
