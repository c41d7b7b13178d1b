// The compact history page (schema/compact-history.ts): opt-in with format=compact, the same
// messages as the full page once the mini-program's decoder has read it, and far fewer bytes.
import { describe, expect, it } from "vitest";
import { compactHistoryPage } from "../../schema/compact-history";
import { historyPage } from "../../schema/protocol";
import { decodeHistoryPage } from "../../miniprogram/core/compact-history";
import { api, expectError } from "./helpers";
import { befriend, createGroup, makeUsers, openDirect, sendText } from "./chat-helpers";

describe("compact history pages", () => {
  it("decode to exactly the full page: replies, mentions, a recall, a forward, system notices and gaps left by a hidden message", async () => {
    const [owner, a, b] = await makeUsers(3);
    const group = await createGroup(owner!, [a!, b!]);
    const first = (await sendText(owner!, group, "hello 你好")).body.seq as number;
    await sendText(a!, group, "a reply with mentions", { replyTo: first, mentions: [owner!.id, b!.id] });
    const gone = (await sendText(b!, group, "recall me")).body.seq as number;
    expect((await api("POST", `/conversations/${group}/messages/${gone}/recall`, { token: b!.token })).status).toBe(200);
    const hidden = (await sendText(owner!, group, "hidden from a")).body.seq as number;
    expect((await api("POST", `/conversations/${group}/messages/${hidden}/hide`, { token: a!.token })).status).toBe(200);
    const direct = await openDirect(a!, owner!);
    expect((await api("POST", `/conversations/${group}/messages/${first}/forward`, { token: a!.token, body: { to: [direct], clientId: "fwd-1" } })).status).toBe(200);
    await sendText(owner!, group, "after the gap");

    for (const [reader, id] of [
      [a!, group],
      [owner!, group],
      [a!, direct],
    ] as const) {
      const full = await api("GET", `/conversations/${id}/messages?after=0&limit=200`, { token: reader.token });
      const compact = await api("GET", `/conversations/${id}/messages?after=0&limit=200&format=compact`, { token: reader.token });
      expect(historyPage.safeParse(full.body).success).toBe(true);
      expect(compactHistoryPage.parse(compact.body).format).toBe("compact");
      expect(decodeHistoryPage(compact.body)).toEqual(full.body);
    }
    const fromA = await api("GET", `/conversations/${group}/messages?after=0&format=compact`, { token: a!.token });
    expect(decodeHistoryPage(fromA.body).messages.map((m) => m.seq)).not.toContain(hidden);
  });

  it("stays the full form unless asked, and refuses a format it does not know", async () => {
    const [owner, a] = await makeUsers(2);
    const group = await createGroup(owner!, [a!]);
    await sendText(owner!, group, "hi");
    const full = await api("GET", `/conversations/${group}/messages?after=0`, { token: a!.token });
    expect(full.body.format).toBeUndefined();
    expect(full.body.messages[0].conversationId).toBe(group);
    expect((await api("GET", `/conversations/${group}/messages?after=0&format=full`, { token: a!.token })).body).toEqual(full.body);
    expectError(await api("GET", `/conversations/${group}/messages?format=columns`, { token: a!.token }), 400, "invalid_request");
  });

  it("holds up to 5,000 messages a page in the compact form and still at most 200 in the full one", async () => {
    const [owner, a] = await makeUsers(2);
    const group = await createGroup(owner!, [a!]);
    await sendText(owner!, group, "hi");
    expect((await api("GET", `/conversations/${group}/messages?after=0&limit=5000&format=compact`, { token: a!.token })).status).toBe(200);
    expect((await api("GET", `/conversations/${group}/messages?before=2&limit=5000&format=compact`, { token: a!.token })).status).toBe(200);
    expectError(await api("GET", `/conversations/${group}/messages?after=0&limit=5001&format=compact`, { token: a!.token }), 400, "invalid_request");
    expectError(await api("GET", `/conversations/${group}/messages?after=0&limit=201`, { token: a!.token }), 400, "invalid_request");
    expectError(await api("GET", `/conversations/${group}/messages?after=0&limit=201&format=full`, { token: a!.token }), 400, "invalid_request");
  });

  it("read by a newcomer, forward and backward and in short pages, decode to their full pages: nothing from before they joined, an earlier quote unavailable, nothing they hid", async () => {
    const [alice, bob, carol] = await makeUsers(3);
    const group = await createGroup(alice!, [bob!]);
    const secret = (await sendText(alice!, group, "the old plan")).body.seq as number;
    await befriend(alice!, carol!);
    expect((await api("POST", `/conversations/${group}/members`, { token: alice!.token, body: { userIds: [carol!.id] } })).status).toBe(200);
    const reply = (await sendText(bob!, group, "still on?", { replyTo: secret })).body.seq as number;
    // Text that JSON must escape, stored and sent on as it was written.
    expect((await sendText(alice!, group, 'say "hi"\n\ttab \\ \u0001 ☃ 😀 </script>', { replyTo: reply, mentions: [bob!.id] })).status).toBe(201);
    const hidden = (await sendText(bob!, group, "hide me")).body.seq as number;
    expect((await api("POST", `/conversations/${group}/messages/${hidden}/hide`, { token: carol!.token })).status).toBe(200);
    const last = (await sendText(alice!, group, "last")).body.seq as number;

    for (const query of ["after=0", "after=0&limit=2", `after=${reply}&limit=1`, `before=${last}`, `before=${last}&limit=2`, "limit=3"]) {
      const full = await api("GET", `/conversations/${group}/messages?${query}`, { token: carol!.token });
      const compact = await api("GET", `/conversations/${group}/messages?${query}&format=compact`, { token: carol!.token });
      expect(compact.status).toBe(200);
      expect(decodeHistoryPage(compactHistoryPage.parse(compact.body)), query).toEqual(full.body);
    }
    const page = await api("GET", `/conversations/${group}/messages?after=0&format=compact`, { token: carol!.token });
    const seqs = decodeHistoryPage(page.body).messages.map((m) => m.seq);
    expect(seqs).not.toContain(secret);
    expect(seqs).not.toContain(hidden);
    expect(seqs).toContain(last);
    expect(decodeHistoryPage(page.body).messages.find((m) => m.seq === reply)!.replyTo).toEqual({ seq: secret, unavailable: true });
    expect(JSON.stringify(page.body)).not.toContain("the old plan");
  });

  it("carries a page of 200 short texts in under 60% of the full page's bytes, and gzips it for a client that accepts it", async () => {
    const [owner, a] = await makeUsers(2);
    const group = await createGroup(owner!, [a!]);
    for (let i = 0; i < 200; i++) await sendText(i % 2 ? a! : owner!, group, `message number ${i}`);
    const full = JSON.stringify((await api("GET", `/conversations/${group}/messages?after=0&limit=200`, { token: a!.token })).body);
    const compact = JSON.stringify((await api("GET", `/conversations/${group}/messages?after=0&limit=200&format=compact`, { token: a!.token })).body);
    expect(compact.length).toBeLessThan(full.length * 0.6);
    const zipped = await api("GET", `/conversations/${group}/messages?after=0&limit=200&format=compact`, { token: a!.token, headers: { "accept-encoding": "gzip" } });
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    const plain = await api("GET", `/conversations/${group}/messages?after=0&limit=200&format=compact`, { token: a!.token, headers: { "accept-encoding": "identity" } });
    expect(plain.headers.get("content-encoding")).toBeNull();
  }, 60_000);
});
