import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ConversationObject } from "../../worker/conversation/object";
import { api, expectError } from "./helpers";
import { befriend, createGroup, history, makeUsers, openDirect, SocketClient, sendText } from "./chat-helpers";
import { rankedGroup } from "./group-helpers";
import { aac, jpeg, mp4, pdf, png, uploaded } from "./media-helpers";

const stub = (id: string) => env.CONVERSATION.get(env.CONVERSATION.idFromName(id));

describe("sending and history", () => {
  it("numbers messages with a gap-free seq in the order the object accepts them", async () => {
    const [a, b, c] = await makeUsers(3);
    const group = await createGroup(a!, [b!, c!]);
    const acks = await Promise.all(Array.from({ length: 30 }, (_, i) => sendText([a, b, c][i % 3]!, group, `m${i}`)));
    const seqs = acks.map((r) => r.body.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 2)); // seq 1 is "created"
    const all = await history(a!, group, "?after=0&limit=200");
    expect(all.map((m) => m.seq)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
  });

  it("is idempotent on (sender, clientId): a retry returns the first ack and stores nothing", async () => {
    const [a, b] = await makeUsers(2);
    const dm = await openDirect(a!, b!);
    const body = { clientId: "retry-1", type: "text", body: { text: "once" } };
    const first = await api("POST", `/conversations/${dm}/messages`, { token: a!.token, body });
    const again = await api("POST", `/conversations/${dm}/messages`, { token: a!.token, body });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, duplicate: true });
    // The same clientId from another sender is a different message.
    const other = await api("POST", `/conversations/${dm}/messages`, { token: b!.token, body });
    expect(other.body.seq).toBe(first.body.seq + 1);
    expect((await history(a!, dm)).map((m) => m.body)).toEqual([{ text: "once" }, { text: "once" }]);
  });

  it("accepts every user message type and rejects malformed bodies without storing them", async () => {
    const [a, b] = await makeUsers(2);
    const dm = await openDirect(a!, b!);
    // Media messages carry media the sender uploaded (media-messages.test.ts has the rules).
    const [image, voice, video, file] = [await uploaded(a!, png()), await uploaded(a!, aac()), await uploaded(a!, mp4(), { kind: "video" }), await uploaded(a!, pdf(), { kind: "file" })];
    const poster = await uploaded(a!, jpeg(), { previewOf: video.id });
    const good = [
      { type: "image", body: { mediaId: image.id, width: 800, height: 600 } },
      { type: "voice", body: { mediaId: voice.id, durationMs: 3200 } },
      { type: "video", body: { mediaId: video.id, durationMs: 10000, posterMediaId: poster.id } },
      { type: "file", body: { mediaId: file.id, name: "plan.pdf", size: file.size } },
      { type: "location", body: { latitude: 31.23, longitude: 121.47, name: "The Bund" } },
    ];
    for (const [i, m] of good.entries()) {
      const res = await api("POST", `/conversations/${dm}/messages`, { token: a!.token, body: { clientId: `g${i}`, ...m } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const bad = [
      { type: "text", body: { text: "" } },
      { type: "text", body: { text: "   " } },
      { type: "text", body: { text: "x".repeat(4001) } },
      { type: "image", body: { mediaId: "nope" } },
      { type: "location", body: { latitude: 91, longitude: 0 } },
      { type: "system", body: { event: "created" } },
      { type: "sticker", body: {} },
      { type: "text", body: { text: "hi", extra: 1 } },
    ];
    for (const [i, m] of bad.entries()) {
      expectError(await api("POST", `/conversations/${dm}/messages`, { token: a!.token, body: { clientId: `b${i}`, ...m } }), 400, "invalid_request");
    }
    expectError(await api("POST", `/conversations/${dm}/messages`, { token: a!.token, body: { type: "text", body: { text: "no client id" } } }), 400, "invalid_request");
    const stored = await history(a!, dm);
    expect(stored.map((m) => m.type)).toEqual(["image", "voice", "video", "file", "location"]);
  });

  it("pages history by seq in both directions", async () => {
    const [a, b] = await makeUsers(2);
    const dm = await openDirect(a!, b!);
    for (let i = 1; i <= 12; i++) await sendText(a!, dm, `n${i}`);
    const latest = await api("GET", `/conversations/${dm}/messages?limit=5`, { token: b!.token });
    expect(latest.body.messages.map((m: { seq: number }) => m.seq)).toEqual([8, 9, 10, 11, 12]);
    expect(latest.body).toMatchObject({ hasMore: true, lastSeq: 12 });
    const older = await api("GET", `/conversations/${dm}/messages?before=8&limit=5`, { token: b!.token });
    expect(older.body.messages.map((m: { seq: number }) => m.seq)).toEqual([3, 4, 5, 6, 7]);
    const oldest = await api("GET", `/conversations/${dm}/messages?before=3&limit=5`, { token: b!.token });
    expect(oldest.body).toMatchObject({ hasMore: false });
    expect(oldest.body.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2]);
    const after = await api("GET", `/conversations/${dm}/messages?after=9&limit=2`, { token: b!.token });
    expect(after.body.messages.map((m: { seq: number }) => m.seq)).toEqual([10, 11]);
    expect(after.body.hasMore).toBe(true);
    const end = await api("GET", `/conversations/${dm}/messages?after=12`, { token: b!.token });
    expect(end.body).toMatchObject({ messages: [], hasMore: false });
    expectError(await api("GET", `/conversations/${dm}/messages?limit=1000`, { token: b!.token }), 400, "invalid_request");
    expectError(await api("GET", `/conversations/${dm}/messages?after=abc`, { token: b!.token }), 400, "invalid_request");
  });

  it("shows members added later only what the group allows: from their joining by default", async () => {
    const [owner, early, late] = await makeUsers(3);
    const group = await createGroup(owner!, [early!]);
    await sendText(owner!, group, "before you came");
    await befriend(owner!, late!);
    const added = await api("POST", `/conversations/${group}/members`, { token: owner!.token, body: { userIds: [late!.id] } });
    expect(added.body).toEqual({ added: [late!.id], requested: [], seq: 3 });
    await sendText(owner!, group, "welcome");
    const seen = await history(late!, group, "?after=0");
    expect(seen.map((m) => m.seq)).toEqual([3, 4]);
    expect(seen[0]).toMatchObject({ type: "system", body: { event: "joined", memberIds: [late!.id] } });
    expectError(await api("GET", `/conversations/${group}/messages/2`, { token: late!.token }), 404, "not_found");
    const summary = (await api("GET", "/conversations", { token: late!.token })).body.conversations[0];
    expect(summary).toMatchObject({ lastSeq: 4, unread: 2 });
    expect((await history(early!, group, "?after=0")).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it("quotes replies with the quoted message's current state", async () => {
    const [a, b] = await makeUsers(2);
    const dm = await openDirect(a!, b!);
    const q = await sendText(a!, dm, "lunch at noon?");
    const r = await sendText(b!, dm, "yes", { replyTo: q.body.seq });
    expect(r.status).toBe(201);
    let [, reply] = await history(a!, dm);
    expect(reply!.replyTo).toEqual({ seq: q.body.seq, senderId: a!.id, type: "text", preview: "lunch at noon?", recalled: false });
    await api("POST", `/conversations/${dm}/messages/${q.body.seq}/recall`, { token: a!.token });
    [, reply] = await history(a!, dm);
    expect(reply!.replyTo).toMatchObject({ preview: "", recalled: true });
    expectError(await sendText(b!, dm, "to nothing", { replyTo: 999 }), 400, "invalid_request");
  });

  it("forwards to the sender's other conversations only, marking the origin", async () => {
    const [a, b, c, stranger] = await makeUsers(4);
    const dm = await openDirect(a!, b!);
    const group = await createGroup(a!, [c!]);
    const foreign = await createGroup(stranger!, []);
    const m = await sendText(b!, dm, "worth sharing");
    const res = await api("POST", `/conversations/${dm}/messages/${m.body.seq}/forward`, { token: a!.token, body: { to: [group, foreign], clientId: "fw1" } });
    expect(res.status).toBe(200);
    const [ok, refused] = res.body.results;
    expect(ok).toMatchObject({ conversationId: group, ok: true });
    expect(refused).toMatchObject({ conversationId: foreign, ok: false, error: { code: "forbidden" } });
    const last = (await history(c!, group)).at(-1)!;
    expect(last).toMatchObject({ senderId: a!.id, type: "text", body: { text: "worth sharing" }, forwarded: { conversationId: dm, seq: m.body.seq, senderId: b!.id } });
    expect((await history(stranger!, foreign)).map((x) => x.type)).toEqual(["system"]);
    // Forwarding what you cannot read is refused.
    expectError(await api("POST", `/conversations/${foreign}/messages/1/forward`, { token: a!.token, body: { to: [group], clientId: "fw2" } }), 403, "forbidden");
  });

  it("validates mentions: members only, @all for owner and admins, none in direct chats", async () => {
    const [owner, member, outsider] = await makeUsers(3);
    const group = await createGroup(owner!, [member!]);
    const ok = await sendText(member!, group, "@owner look", { mentions: [owner!.id] });
    expect(ok.status).toBe(201);
    expect((await history(owner!, group)).at(-1)!.mentions).toEqual([owner!.id]);
    expectError(await sendText(member!, group, "@x", { mentions: [outsider!.id] }), 400, "invalid_request");
    expectError(await sendText(member!, group, "@all", { mentionAll: true }), 403, "forbidden");
    expect((await sendText(owner!, group, "@all meeting", { mentionAll: true })).status).toBe(201);
    const dm = await openDirect(owner!, member!);
    expectError(await sendText(owner!, dm, "@you", { mentions: [member!.id] }), 400, "invalid_request");
  });
});

describe("recall", () => {
  async function age(conversationId: string, seq: number, ms: number) {
    await runInDurableObject(stub(conversationId), async (_o: ConversationObject, state) => {
      state.storage.sql.exec("update messages set created_at = created_at - ? where seq = ?", ms, seq);
    });
  }

  it("lets the sender recall within 2 minutes: the content is gone everywhere and a notice follows", async () => {
    const [a, b] = await makeUsers(2);
    const dm = await openDirect(a!, b!);
    const m = await sendText(a!, dm, "oops, wrong chat");
    const res = await api("POST", `/conversations/${dm}/messages/${m.body.seq}/recall`, { token: a!.token });
    expect(res.body).toEqual({ seq: m.body.seq + 1 });
    const [tomb, notice] = await history(b!, dm);
    expect(tomb).toMatchObject({ seq: m.body.seq, body: null, recalledBy: a!.id });
    expect(typeof tomb!.recalledAt).toBe("number");
    expect(notice).toMatchObject({ type: "system", body: { event: "recalled", targetSeq: m.body.seq, actorId: a!.id } });
    expect(JSON.stringify(await history(b!, dm))).not.toContain("wrong chat");
    const list = (await api("GET", "/conversations", { token: b!.token })).body.conversations[0];
    expect(list.lastMessage.text).not.toContain("wrong chat");
    expectError(await api("POST", `/conversations/${dm}/messages/${m.body.seq}/recall`, { token: a!.token }), 409, "conflict");
  });

  it("refuses the sender after 2 minutes and other people's messages in direct chats", async () => {
    const [a, b] = await makeUsers(2);
    const dm = await openDirect(a!, b!);
    const m = await sendText(a!, dm, "old news");
    expectError(await api("POST", `/conversations/${dm}/messages/${m.body.seq}/recall`, { token: b!.token }), 403, "forbidden");
    await age(dm, m.body.seq, 2 * 60 * 1000 + 1);
    expectError(await api("POST", `/conversations/${dm}/messages/${m.body.seq}/recall`, { token: a!.token }), 403, "forbidden");
    expect((await history(b!, dm))[0]!.body).toEqual({ text: "old news" });
  });

  it("lets a group owner recall any message at any time, and admins only ordinary members' messages", async () => {
    const [owner, admin, member] = await makeUsers(3);
    const group = await createGroup(owner!, [admin!, member!]);
    await runInDurableObject(stub(group), async (_o: ConversationObject, state) => {
      state.storage.sql.exec("update members set role = 'admin' where user_id = ?", admin!.id);
    });
    // Reload the cached member list from storage.
    const { evictDurableObject } = await import("cloudflare:test");
    await evictDurableObject(stub(group));
    const byMember = await sendText(member!, group, "spam");
    const byOwner = await sendText(owner!, group, "owner's note");
    await age(group, byMember.body.seq, 60 * 60 * 1000);
    expect((await api("POST", `/conversations/${group}/messages/${byMember.body.seq}/recall`, { token: admin!.token })).status).toBe(200);
    expectError(await api("POST", `/conversations/${group}/messages/${byOwner.body.seq}/recall`, { token: admin!.token }), 403, "forbidden");
    expect((await api("POST", `/conversations/${group}/messages/${byOwner.body.seq}/recall`, { token: owner!.token })).status).toBe(200);
    expectError(await api("POST", `/conversations/${group}/messages/1/recall`, { token: owner!.token }), 400, "invalid_request");
  });

  it("refuses an admin who recalls another admin's message, which stays as it was", async () => {
    const { id, owner, admin, others } = await rankedGroup(1);
    const second = others[0]!;
    expect((await api("PUT", `/groups/${id}/admins/${second.id}`, { token: owner.token })).status).toBe(200);
    const said = await sendText(second, id, "admins' notice");
    const before = await history(owner, id);
    expectError(await api("POST", `/conversations/${id}/messages/${said.body.seq}/recall`, { token: admin.token }), 403, "forbidden");
    expect(await history(owner, id)).toEqual(before);
    expect(before.at(-1)).toMatchObject({ seq: said.body.seq, body: { text: "admins' notice" }, recalledAt: null });
  });
});

describe("read receipts and guards", () => {
  it("moves read seq forward only, and reports it per member", async () => {
    const [a, b, c] = await makeUsers(3);
    const group = await createGroup(a!, [b!, c!]);
    for (let i = 0; i < 4; i++) await sendText(a!, group, `m${i}`);
    expect((await api("POST", `/conversations/${group}/read`, { token: b!.token, body: { seq: 4 } })).body).toEqual({ readSeq: 4 });
    expect((await api("POST", `/conversations/${group}/read`, { token: b!.token, body: { seq: 2 } })).body).toEqual({ readSeq: 4 });
    expect((await api("POST", `/conversations/${group}/read`, { token: c!.token, body: { seq: 999 } })).body).toEqual({ readSeq: 5 });
    const receipts = await api("GET", `/conversations/${group}/receipts`, { token: a!.token });
    const bySeq = Object.fromEntries(receipts.body.reads.map((r: { userId: string; seq: number }) => [r.userId, r.seq]));
    expect(bySeq).toEqual({ [a!.id]: 5, [b!.id]: 4, [c!.id]: 5 });
    // D1 follows (the conversation list computes unread from it).
    await expect.poll(async () => (await api("GET", "/conversations", { token: b!.token })).body.conversations[0].unread).toBe(1);
    expectError(await api("POST", `/conversations/${group}/read`, { token: b!.token, body: { seq: 0 } }), 400, "invalid_request");
  });

  it("refuses muted members and, while the group is muted, everyone but owner and admins", async () => {
    const [owner, member] = await makeUsers(2);
    const group = await createGroup(owner!, [member!]);
    await runInDurableObject(stub(group), async (_o: ConversationObject, state) => {
      state.storage.sql.exec("update members set muted_until = ? where user_id = ?", Date.now() + 60_000, member!.id);
    });
    const { evictDurableObject } = await import("cloudflare:test");
    await evictDurableObject(stub(group));
    const muted = await sendText(member!, group, "can I talk?");
    expectError(muted, 403, "forbidden");
    expect(muted.body.error.message).toMatch(/muted/);
    await runInDurableObject(stub(group), async (_o: ConversationObject, state) => {
      state.storage.sql.exec("update members set muted_until = null");
      state.storage.sql.exec("update meta set mute_all = 1");
    });
    await evictDurableObject(stub(group));
    expectError(await sendText(member!, group, "now?"), 403, "forbidden");
    expect((await sendText(owner!, group, "announcement")).status).toBe(201);
  });

  it("rate limits a sender who floods a conversation", async () => {
    const [a, b] = await makeUsers(2);
    const dm = await openDirect(a!, b!);
    // All at once, so a slow machine's pace cannot refill the bucket between sends.
    const results = (await Promise.all(Array.from({ length: 45 }, (_, i) => sendText(a!, dm, `flood ${i}`)))).map((r) => r.status);
    expect(results.filter((s) => s === 201).length).toBeGreaterThanOrEqual(30);
    expect(results).toContain(429);
    // Others in the conversation are unaffected.
    expect((await sendText(b!, dm, "calm")).status).toBe(201);
  });

  it("tells a sender refused for flooding how long to wait (Retry-After), as every 429 does", async () => {
    const [a, b] = await makeUsers(2);
    const dm = await openDirect(a!, b!);
    // All at once, so the refill between sends cannot keep up whatever the machine's speed.
    const responses = await Promise.all(Array.from({ length: 60 }, (_, i) => sendText(a!, dm, `burst ${i}`)));
    const refused = responses.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expectError(r, 429, "rate_limited");
      expect(r.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    }
  });

  it("lets a member leave a group, after which they read nothing more; the owner must hand over first", async () => {
    const [owner, member] = await makeUsers(2);
    const group = await createGroup(owner!, [member!]);
    expectError(await api("POST", `/conversations/${group}/leave`, { token: owner!.token }), 409, "conflict");
    const [ownerPhone, memberPhone] = await Promise.all([SocketClient.connect(owner!.token), SocketClient.connect(member!.token)]);
    await Promise.all([ownerPhone, memberPhone].map((p) => p.next((f) => f.type === "ready")));
    expect((await api("POST", `/conversations/${group}/leave`, { token: member!.token })).status).toBe(200);
    await sendText(owner!, group, "after you left");
    // Not pushed to them either. The flush has called every shard once it settles, and a pong
    // comes after every frame the member's socket was sent before it.
    await ownerPhone.next((f) => f.type === "message" && (f.message.body as { text?: string } | null)?.text === "after you left");
    await runInDurableObject(env.CONVERSATION.get(env.CONVERSATION.idFromName(group)), (o: ConversationObject) =>
      (o as unknown as { state: { fanout: { settle(): Promise<void> } } }).state.fanout.settle(),
    );
    memberPhone.send({ type: "ping" });
    await memberPhone.next((f) => f.type === "pong");
    expect(memberPhone.messages(group).map((m) => (m.body as { text?: string } | null)?.text)).not.toContain("after you left");
    expectError(await api("GET", `/conversations/${group}/messages`, { token: member!.token }), 403, "forbidden");
    expect((await api("GET", "/conversations", { token: member!.token })).body.conversations).toEqual([]);
    const info = await api("GET", `/conversations/${group}`, { token: owner!.token });
    expect(info.body.memberCount).toBe(1);
  });
});
