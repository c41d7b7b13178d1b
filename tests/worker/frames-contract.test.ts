// The frame contract: every frame the worker sends in the main flows (ready, send and its ack,
// message pushes with a quote and a recall, read, typing, presence, batch, error, pong,
// friend_request, contacts, session_ended) parses with schema/protocol.ts's serverFrame, the
// schema the clients parse with, and parses to itself: nothing the worker sends is a field the
// schema does not know (the client would drop it without a word).
import { describe, expect, it } from "vitest";
import { serverFrame, type ServerFrame } from "../../schema/protocol";
import { createGroup, makeUsers, openDirect, sendText, SocketClient, type TestUser } from "./chat-helpers";
import { api } from "./helpers";

/** Every frame the socket received, checked against the schema; answers the types seen. */
function checked(s: SocketClient): string[] {
  const types: string[] = [];
  for (const frame of s.frames) {
    const parsed = serverFrame.safeParse(frame);
    expect(parsed.error?.issues ?? [], `${JSON.stringify(frame)} does not parse`).toEqual([]);
    expect(parsed.data, `${frame.type} has fields the schema leaves out`).toEqual(frame);
    types.push(frame.type);
    if (frame.type === "batch") types.push(...frame.frames.map((f) => `batch:${f.type}`));
  }
  return types;
}

async function online(user: TestUser, path = "/ws"): Promise<SocketClient> {
  const s = await SocketClient.connect(user.token, "header", path);
  await s.next((f) => f.type === "ready");
  return s;
}

describe("frames the worker sends parse with the schema clients parse them with", () => {
  it("a direct chat over sockets: ready, presence, ack, message (quote, recall), read, typing, error, pong", async () => {
    const [alice, bob] = await makeUsers(2);
    const dm = await openDirect(alice!, bob!);
    const a = await online(alice!);
    const b = await online(bob!);
    await a.next((f) => f.type === "presence" && f.userId === bob!.id && f.online);

    a.send({ type: "send", ref: "s1", conversationId: dm, message: { clientId: "contract-1", type: "text", body: { text: "hello" } } });
    const ack = await a.next<Extract<ServerFrame, { type: "ack" }>>((f) => f.type === "ack" && f.ref === "s1");
    a.send({ type: "send", ref: "s2", conversationId: dm, message: { clientId: "contract-2", type: "text", body: { text: "quoting" }, replyTo: ack.ack.seq } });
    await b.next((f) => f.type === "message" && f.message.replyTo !== null);
    b.send({ type: "read", ref: "r1", conversationId: dm, seq: ack.ack.seq + 1 });
    await a.next((f) => f.type === "read");
    b.send({ type: "typing", conversationId: dm });
    await a.next((f) => f.type === "typing");
    a.send({ type: "recall", ref: "rc", conversationId: dm, seq: ack.ack.seq });
    await b.next((f) => f.type === "message" && f.message.type === "system");
    a.send({ type: "nonsense", ref: "bad" });
    await a.next((f) => f.type === "error" && f.ref === "bad");
    a.send("not json");
    await a.next((f) => f.type === "error" && f.ref === undefined);
    a.send('{"type":"ping"}');
    await a.next((f) => f.type === "pong");
    b.close();
    await a.next((f) => f.type === "presence" && f.userId === bob!.id && !f.online);

    expect(new Set(checked(a))).toEqual(new Set(["ready", "presence", "ack", "message", "read", "error", "pong", "typing"]));
    expect(checked(b)).toEqual(expect.arrayContaining(["ready", "message"]));
    a.close();
  });

  it("a burst into a group reaches a batching socket as batch frames of messages", async () => {
    const [owner, member] = await makeUsers(2);
    const group = await createGroup(owner!, [member!]);
    const s = await online(member!, "/ws?batch=1");
    await Promise.all(Array.from({ length: 20 }, (_, i) => sendText(owner!, group, `burst ${i}`)));
    await s.next((f) => f.type === "batch");
    expect(checked(s)).toContain("batch:message");
    s.close();
  });

  it("friend requests and contact changes: friend_request and contacts", async () => {
    const [alice, bob] = await makeUsers(2);
    const a = await online(alice!);
    const b = await online(bob!);
    expect((await api("POST", "/contacts/requests", { token: alice!.token, body: { userId: bob!.id } })).status).toBeLessThan(300);
    await b.next((f) => f.type === "friend_request");
    await a.next((f) => f.type === "contacts");
    expect(checked(b)).toEqual(["ready", "friend_request"]);
    expect(checked(a)).toEqual(["ready", "contacts"]);
    a.close();
    b.close();
  });

  it("signing out: session_ended", async () => {
    const [user] = await makeUsers(1);
    const s = await online(user!);
    expect((await api("POST", "/auth/logout", { token: user!.token })).status).toBe(204);
    await s.next((f) => f.type === "session_ended");
    expect(checked(s)).toEqual(["ready", "session_ended"]);
  });
});
