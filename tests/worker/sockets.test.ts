import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { db } from "../../worker/db";
import { startSession } from "../../worker/services/tokens";
import type { Ack, ServerFrame } from "../../schema/protocol";
import { CLOSE } from "../../schema/protocol";
import { api } from "./helpers";
import { createGroup, makeUser, makeUsers, openDirect, sendText, SocketClient, type TestUser } from "./chat-helpers";

const isAck = (ref: string) => (f: ServerFrame) => f.type === "ack" && f.ref === ref;
const isError = (ref?: string) => (f: ServerFrame) => f.type === "error" && (ref === undefined || f.ref === ref);

describe("sockets", () => {
  it("greets an authenticated device with ready, by header or by subprotocol", async () => {
    const u = await makeUser();
    const byHeader = await SocketClient.connect(u.token, "header");
    expect(await byHeader.next((f) => f.type === "ready")).toMatchObject({ type: "ready", userId: u.id });
    const byProtocol = await SocketClient.connect(u.token, "protocol");
    expect(await byProtocol.next((f) => f.type === "ready")).toMatchObject({ userId: u.id });
    expect(byProtocol.protocol).toBe("qun");
    byHeader.close();
    byProtocol.close();
  });

  it("closes with 4401 for a missing or bad token and 4403 for a signed-out session", async () => {
    const none = await SocketClient.connect(null);
    expect((await none.waitClosed()).code).toBe(CLOSE.unauthorized);
    expect(none.frames[0]).toMatchObject({ type: "error", code: "unauthorized" });
    const forged = await SocketClient.connect("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl");
    expect((await forged.waitClosed()).code).toBe(CLOSE.unauthorized);

    const u = await makeUser();
    const live = await SocketClient.connect(u.token);
    await live.next((f) => f.type === "ready");
    expect((await api("POST", "/auth/logout", { token: u.token })).status).toBe(204);
    expect((await live.waitClosed()).code).toBe(CLOSE.revoked);
    const after = await SocketClient.connect(u.token);
    expect((await after.waitClosed()).code).toBe(CLOSE.revoked);
  });

  it("replaces an older socket of the same session with 4409, keeping other devices", async () => {
    const u = await makeUser();
    const first = await SocketClient.connect(u.token);
    await first.next((f) => f.type === "ready");
    const second = await SocketClient.connect(u.token);
    await second.next((f) => f.type === "ready");
    expect((await first.waitClosed()).code).toBe(CLOSE.replaced);
    expect(second.closed).toBeNull();
    second.close();
  });

  it("answers the heartbeat and keeps working after malformed frames", async () => {
    const [a, b] = await makeUsers(2);
    const dm = await openDirect(a!, b!);
    const ws = await SocketClient.connect(a!.token);
    await ws.next((f) => f.type === "ready");
    ws.send('{"type":"ping"}');
    await ws.next((f) => f.type === "pong");
    const bad = ["not json", "[]", '{"type":"explode"}', '{"type":"send","ref":"r1","conversationId":"' + dm + '","message":{"type":"text","body":{"text":"x"}}}', "\u0000\u0001"];
    for (const frame of bad) ws.send(frame);
    await expect.poll(() => ws.frames.filter(isError()).length).toBe(bad.length);
    expect(ws.frames.find(isError("r1"))).toMatchObject({ code: "invalid_request", message: expect.stringContaining("clientId") });
    ws.send("x".repeat(70 * 1024));
    await ws.next((f) => f.type === "error" && f.code === "payload_too_large");
    ws.send({ type: "send", ref: "ok1", conversationId: dm, message: { clientId: "s1", type: "text", body: { text: "still here" } } });
    const ack = await ws.next<{ type: "ack"; ack: Ack }>(isAck("ok1"));
    expect(ack.ack).toMatchObject({ conversationId: dm, seq: 1, duplicate: false });
    expect(ws.closed).toBeNull();
    ws.close();
  });

  it("acks a send once durable and pushes it to every device of every member, the sender's other devices included", async () => {
    const [a, b, c] = await makeUsers(3);
    const group = await createGroup(a!, [b!, c!]);
    const aPhone = await SocketClient.connect(a!.token);
    const b1 = await SocketClient.connect(b!.token);
    const c1 = await SocketClient.connect(c!.token);
    for (const s of [aPhone, b1, c1]) await s.next((f) => f.type === "ready");
    aPhone.send({ type: "send", ref: "r", conversationId: group, message: { clientId: "k1", type: "text", body: { text: "hello all" } } });
    const { ack } = await aPhone.next<{ type: "ack"; ack: Ack }>(isAck("r"));
    for (const s of [aPhone, b1, c1]) {
      const m = await s.next((f) => f.type === "message" && f.message.seq === ack.seq);
      expect(m).toMatchObject({ message: { conversationId: group, senderId: a!.id, body: { text: "hello all" }, clientId: "k1" } });
    }
    // A retried frame is acked again as a duplicate and not pushed twice.
    aPhone.send({ type: "send", ref: "r2", conversationId: group, message: { clientId: "k1", type: "text", body: { text: "hello all" } } });
    expect((await aPhone.next<{ type: "ack"; ack: Ack }>(isAck("r2"))).ack).toMatchObject({ seq: ack.seq, duplicate: true });
    await sendText(c!, group, "marker");
    await b1.next((f) => f.type === "message" && f.message.body !== null && (f.message.body as { text?: string }).text === "marker");
    expect(b1.messages(group).filter((m) => m.seq === ack.seq)).toHaveLength(1);
    for (const s of [aPhone, b1, c1]) s.close();
  });

  it("reaches all devices of one user, and reads sync across them", async () => {
    const [a, b] = await makeUsers(2);
    const dm = await openDirect(a!, b!);
    const phone = await SocketClient.connect(b!.token);
    const pad = await startSession(env, db(env), b!.id, "pad"); // a second device of the same user
    const tablet = await SocketClient.connect(pad.accessToken);
    for (const s of [phone, tablet]) await s.next((f) => f.type === "ready");
    const sent = await sendText(a!, dm, "to both of b's devices");
    for (const s of [phone, tablet]) await s.next((f) => f.type === "message" && f.message.seq === sent.body.seq);
    phone.send({ type: "read", ref: "rd", conversationId: dm, seq: sent.body.seq });
    const read = await tablet.next((f) => f.type === "read" && f.reads.some((r) => r.userId === b!.id && r.seq === sent.body.seq));
    expect(read).toMatchObject({ conversationId: dm });
    phone.close();
    tablet.close();
  });

  it("pushes a group read to the senders of the messages read, and not a sender's read of their own new message", async () => {
    const [owner, a, b] = (await makeUsers(3)) as [TestUser, TestUser, TestUser];
    const group = await createGroup(owner, [a, b]);
    const [ownerSock, aSock, bSock] = await Promise.all([SocketClient.connect(owner.token), SocketClient.connect(a.token), SocketClient.connect(b.token)]);
    for (const s of [ownerSock, aSock, bSock]) await s.next((f) => f.type === "ready");
    await sendText(owner, group, "something for a to read");
    // a writes without having read the owner's message: writing reads it, and the owner hears so.
    const first = await sendText(a, group, "catching up and writing");
    await ownerSock.next((f) => f.type === "read" && f.reads.some((r) => r.userId === a.id && r.seq === first.body.seq));
    // Nothing else unread: the message itself says a read it, so no read frame goes out.
    await sendText(a, group, "and again");
    const marker = await sendText(b, group, "marker");
    for (const s of [ownerSock, bSock]) await s.next((f) => f.type === "message" && f.message.seq === marker.body.seq);
    const readsOfA = (s: SocketClient) =>
      s.frames
        .flatMap((f) => (f.type === "read" ? f.reads : []))
        .filter((r) => r.userId === a.id)
        .map((r) => r.seq);
    expect(readsOfA(ownerSock)).toEqual([first.body.seq]);
    expect(readsOfA(bSock)).toEqual([]); // b wrote nothing a read
    // b's marker read everything before it: a hears it (their messages), the owner too (theirs).
    for (const s of [aSock, ownerSock]) await s.next((f) => f.type === "read" && f.reads.some((r) => r.userId === b.id && r.seq === marker.body.seq));
    // Stored all the same: a's list shows only b's marker unread, and the receipts have a's read.
    const list = await api("GET", "/conversations", { token: a.token });
    expect(list.body.conversations.find((c: { id: string }) => c.id === group)).toMatchObject({ unread: 1 });
    const receipts = await api("GET", `/conversations/${group}/receipts`, { token: b.token });
    expect(receipts.body.reads).toContainEqual({ userId: a.id, seq: marker.body.seq - 1 });
    for (const s of [ownerSock, bSock, aSock]) s.close();
  });

  it("relays typing in direct chats to the other person only", async () => {
    const [a, b] = await makeUsers(2);
    const dm = await openDirect(a!, b!);
    const wa = await SocketClient.connect(a!.token);
    const wb = await SocketClient.connect(b!.token);
    for (const s of [wa, wb]) await s.next((f) => f.type === "ready");
    wa.send({ type: "typing", conversationId: dm });
    expect(await wb.next((f) => f.type === "typing")).toEqual({ type: "typing", conversationId: dm, userId: a!.id });
    wa.send('{"type":"ping"}');
    await wa.next((f) => f.type === "pong");
    expect(wa.frames.some((f) => f.type === "typing")).toBe(false);
    wa.close();
    wb.close();
  });

  it("answers socket sends to conversations the user is not in with an error frame", async () => {
    const [a, b, outsider] = await makeUsers(3);
    const dm = await openDirect(a!, b!);
    const ws = await SocketClient.connect(outsider!.token);
    await ws.next((f) => f.type === "ready");
    ws.send({ type: "send", ref: "nope", conversationId: dm, message: { clientId: "z", type: "text", body: { text: "hi" } } });
    expect(await ws.next(isError("nope"))).toMatchObject({ code: "forbidden" });
    ws.send({ type: "recall", ref: "rc", conversationId: dm, seq: 1 });
    expect(await ws.next(isError("rc"))).toMatchObject({ code: "forbidden" });
    ws.close();
  });
});
