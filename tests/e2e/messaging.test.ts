// Messaging end to end: three people on real sockets to `wrangler dev`, a group (Alice's, with
// her two friends) and a direct chat between the other two, and a device that loses its
// connection mid-stream and catches up with the same SyncEngine the mini-program runs: it ends
// with exactly the messages sent, in order, once.
import { beforeAll, describe, expect, it } from "vitest";
import { decodeHistoryPage } from "../../miniprogram/core/compact-history";
import { SyncEngine } from "../../miniprogram/core/sync";
import { MESSAGE_LIMITS } from "../../schema/limits";
import type { CompactHistoryPage } from "../../schema/compact-history";
import type { AuthResponse } from "../../schema/api";
import WebSocket from "ws";
import { CLOSE, type Ack, type ConversationSummary, type HistoryPage, type Message, type ServerFrame } from "../../schema/protocol";
import { HttpClient, uniqueName } from "./harness";
import { Device } from "./socket";

const http = new HttpClient();
const isMessage =
  (conversationId: string, pred: (m: Message) => boolean = () => true) =>
  (f: ServerFrame) =>
    f.type === "message" && f.message.conversationId === conversationId && pred(f.message);
const text = (m: Message) => (m.body as { text?: string } | null)?.text;

function syncFor(token: string, onMessages?: (id: string, ms: Message[]) => void) {
  return new SyncEngine(
    {
      listConversations: async () => (await http.get<{ conversations: ConversationSummary[] }>("/conversations", token)).body.conversations,
      // As the mini-program asks (services/chats.ts): compact pages of up to 5,000.
      pageSize: MESSAGE_LIMITS.historyCompactPageMax,
      fetchAfter: async (id, after, limit) => decodeHistoryPage((await http.get<CompactHistoryPage>(`/conversations/${id}/messages?after=${after}&limit=${limit}&format=compact`, token)).body),
    },
    { onMessages },
  );
}

async function sendOverSocket(device: Device, conversationId: string, clientId: string, body: string): Promise<Ack> {
  device.send({ type: "send", ref: clientId, conversationId, message: { clientId, type: "text", body: { text: body } } });
  const frame = await device.next<Extract<ServerFrame, { type: "ack" | "error" }>>((f) => (f.type === "ack" || f.type === "error") && f.ref === clientId);
  if (frame.type === "error") throw new Error(`send refused: ${frame.code} ${frame.message}`);
  return frame.ack;
}

describe("three people on real sockets", () => {
  let alice: AuthResponse, aliceLaptop: AuthResponse, bob: AuthResponse, carol: AuthResponse;
  let groupId: string;

  beforeAll(async () => {
    const aliceName = uniqueName("alice");
    [alice, bob, carol] = await Promise.all([http.devLogin(aliceName), http.devLogin(uniqueName("bob")), http.devLogin(uniqueName("carol"))]);
    aliceLaptop = await http.devLogin(aliceName); // the same account signed in on a second device
    expect(aliceLaptop.user.id).toBe(alice.user.id);
    // Alice puts her friends in a group; Bob and Carol stay strangers to each other.
    await Promise.all([http.befriend(alice, bob), http.befriend(alice, carol)]);
  });

  it("creates a group that every member's devices hear about live, the creator's second device included", async () => {
    const [alicePhone, aliceLaptopDevice, bobPhone, carolPhone] = await Promise.all([
      Device.connect(http.baseUrl, alice.accessToken),
      Device.connect(http.baseUrl, aliceLaptop.accessToken, "header"),
      Device.connect(http.baseUrl, bob.accessToken),
      Device.connect(http.baseUrl, carol.accessToken),
    ]);
    const res = await http.post("/conversations", { name: "Weekend hike", memberIds: [bob.user.id, carol.user.id] }, alice.accessToken);
    expect(res.status).toBe(201);
    groupId = res.body.id;
    for (const device of [alicePhone, aliceLaptopDevice, bobPhone, carolPhone]) {
      const frame = await device.next<Extract<ServerFrame, { type: "message" }>>(isMessage(groupId));
      expect(frame.message).toMatchObject({ seq: 1, type: "system", body: { event: "created", name: "Weekend hike" } });
    }

    // A message from Alice's phone reaches Bob, Carol and Alice's laptop, and is acked to the phone.
    const ack = await sendOverSocket(alicePhone, groupId, "hike-1", "Saturday 8am at the trailhead?");
    expect(ack).toMatchObject({ conversationId: groupId, seq: 2, duplicate: false });
    for (const device of [aliceLaptopDevice, bobPhone, carolPhone]) {
      const { message } = await device.next<Extract<ServerFrame, { type: "message" }>>(isMessage(groupId, (m) => m.seq === 2));
      expect(message).toMatchObject({ senderId: alice.user.id, clientId: "hike-1", body: { text: "Saturday 8am at the trailhead?" } });
    }

    // A retry of the same client id (the ack was lost, say) returns the first ack and stores nothing.
    const retry = await sendOverSocket(aliceLaptopDevice, groupId, "hike-1", "Saturday 8am at the trailhead?");
    expect(retry).toMatchObject({ seq: 2, id: ack.id, duplicate: true });
    const page = await http.get<HistoryPage>(`/conversations/${groupId}/messages?after=0`, bob.accessToken);
    expect(page.body.messages.map((m) => m.seq)).toEqual([1, 2]);

    // Bob reads up to 2; Alice's devices learn it.
    bobPhone.send({ type: "read", conversationId: groupId, seq: 2 });
    const read = await alicePhone.next<Extract<ServerFrame, { type: "read" }>>((f) => f.type === "read" && f.conversationId === groupId && f.reads.some((r) => r.userId === bob.user.id));
    expect(read.reads).toContainEqual({ userId: bob.user.id, seq: 2 });

    await Promise.all([alicePhone, aliceLaptopDevice, bobPhone, carolPhone].map((d) => d.close()));
  });

  it("keeps a direct chat between two of them private to the two", async () => {
    const [alicePhone, bobPhone, carolPhone] = await Promise.all([
      Device.connect(http.baseUrl, alice.accessToken),
      Device.connect(http.baseUrl, bob.accessToken),
      Device.connect(http.baseUrl, carol.accessToken),
    ]);
    // Strangers cannot start a chat; friends can. Bob asks, Carol accepts, and the chat opens.
    expect((await http.post("/conversations/direct", { userId: carol.user.id }, bob.accessToken)).body.error.code).toBe("not_friends");
    const asked = await http.post("/contacts/requests", { userId: carol.user.id, greeting: "Bob from the hike" }, bob.accessToken);
    expect(asked.status).toBe(201);
    await carolPhone.next((f) => f.type === "friend_request");
    const accepted = await http.post(`/contacts/requests/${asked.body.request.id}/accept`, {}, carol.accessToken);
    expect(accepted.status).toBe(200);
    const opened = await http.post("/conversations/direct", { userId: carol.user.id }, bob.accessToken);
    expect(opened.status).toBe(200);
    const directId: string = opened.body.id;
    expect(directId).toBe(accepted.body.conversationId);
    await bobPhone.next(isMessage(directId, (m) => m.type === "system"));

    const sent = await http.post(`/conversations/${directId}/messages`, { clientId: "dm-1", type: "text", body: { text: "Bring the map" } }, bob.accessToken);
    expect(sent.status).toBe(201);
    const { message } = await carolPhone.next<Extract<ServerFrame, { type: "message" }>>(isMessage(directId, (m) => m.clientId === "dm-1"));
    expect(text(message)).toBe("Bring the map");

    // Typing and read state in a direct chat reach the other person.
    carolPhone.send({ type: "typing", conversationId: directId });
    await bobPhone.next((f) => f.type === "typing" && f.conversationId === directId && f.userId === carol.user.id);
    carolPhone.send({ type: "read", conversationId: directId, seq: message.seq });
    await bobPhone.next((f) => f.type === "read" && f.conversationId === directId);

    // Alice is not in it: no frame, no history, no sending.
    expect((await http.get(`/conversations/${directId}/messages`, alice.accessToken)).status).toBe(403);
    const intrude = await http.post(`/conversations/${directId}/messages`, { clientId: "x", type: "text", body: { text: "hi" } }, alice.accessToken);
    expect(intrude.status).toBe(403);
    expect(intrude.body.error.code).toBe("forbidden");
    await new Promise((r) => setTimeout(r, 300));
    expect(alicePhone.frames.filter((f) => f.type === "message" && f.message.conversationId === directId)).toEqual([]);

    await Promise.all([alicePhone, bobPhone, carolPhone].map((d) => d.close()));
  });

  it("brings a device that dropped mid-stream back to exactly the messages sent, in order, once", async () => {
    const shown: Message[] = [];
    const carolSync = syncFor(carol.accessToken, (id, ms) => {
      if (id === groupId) shown.push(...ms);
    });
    await carolSync.catchUp(); // what Carol's phone already had: seqs 1-2 of the group
    let carolPhone = await Device.connect(http.baseUrl, carol.accessToken);
    carolPhone.onFrame((f) => void carolSync.onFrame(f));
    const [alicePhone, bobPhone] = await Promise.all([Device.connect(http.baseUrl, alice.accessToken), Device.connect(http.baseUrl, bob.accessToken)]);

    // Alice and Bob talk; Carol's connection dies after the third message and stays away while
    // the rest is sent. Sends are spaced to stay under the per-user rate limit.
    const sentClientIds: string[] = [];
    for (let i = 0; i < 24; i++) {
      const device = i % 2 === 0 ? alicePhone : bobPhone;
      const clientId = `stream-${i}`;
      await sendOverSocket(device, groupId, clientId, `message ${i}`);
      sentClientIds.push(clientId);
      if (i === 2) {
        await carolPhone.next(isMessage(groupId, (m) => m.clientId === "stream-2"));
        await carolPhone.drop();
      }
      await new Promise((r) => setTimeout(r, 60));
    }

    // Back online: a new socket, then catch-up over HTTP (the order the client uses, so nothing
    // sent in between is missed; anything pushed twice is ignored by seq).
    carolPhone = await Device.connect(http.baseUrl, carol.accessToken);
    carolPhone.onFrame((f) => void carolSync.onFrame(f));
    await carolSync.catchUp();
    // One more live message after the catch-up arrives by push and lands after the rest.
    await sendOverSocket(alicePhone, groupId, "after-reconnect", "Everyone here?");
    await carolPhone.next(isMessage(groupId, (m) => m.clientId === "after-reconnect"));
    await carolSync.pull(groupId);

    const held = carolSync.messages(groupId);
    const lastSeq = (await http.get<HistoryPage>(`/conversations/${groupId}/messages?after=0&limit=1`, carol.accessToken)).body.lastSeq;
    expect(held.map((m) => m.seq)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    expect(shown.map((m) => m.seq)).toEqual(held.map((m) => m.seq)); // each shown once, in order
    const streamed = held.filter((m) => m.clientId?.startsWith("stream-")).map((m) => m.clientId);
    expect(streamed).toEqual(sentClientIds);
    expect(held.at(-1)?.clientId).toBe("after-reconnect");

    // The conversation list agrees: Carol has unread messages up to the last seq.
    const list = (await http.get<{ conversations: ConversationSummary[] }>("/conversations", carol.accessToken)).body.conversations;
    expect(list.find((c) => c.id === groupId)).toMatchObject({ lastSeq, lastMessage: { text: "Everyone here?" } });

    await Promise.all([alicePhone, bobPhone, carolPhone].map((d) => d.close()));
  });

  it("closes a socket whose token is forged with the auth-failure code and an error frame", async () => {
    const forged = `${alice.accessToken.slice(0, -4)}AAAA`;
    const ws = new WebSocket(`${http.baseUrl.replace(/^http/, "ws")}/ws`, ["qun", forged]);
    const frames: ServerFrame[] = [];
    ws.on("message", (d) => frames.push(JSON.parse(String(d))));
    const [code] = await new Promise<[number, string]>((resolve) => ws.on("close", (c, r) => resolve([c, String(r)])));
    expect(code).toBe(CLOSE.unauthorized);
    expect(frames).toEqual([expect.objectContaining({ type: "error", code: "token_invalid" })]);
  });
});
