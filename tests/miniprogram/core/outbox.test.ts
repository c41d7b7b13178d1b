// The outbox across an app restart: a message written offline is stored; a new ChatClient over the
// same wx storage (the app started again) shows it as sending and, back online, sends it once
// with the clientId it was given, so the server stores it once.
import { groupSummary, signInAgainst, signOutClients } from "./fixtures";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChatClient } from "../../../miniprogram/services/chats";
import type { WxAdapter } from "../wx-adapter";

const C = "c_outboxoutboxoutboxou";
const ME = "u_aaaaaaaaaaaaaaaaaaaa";
let adapter: WxAdapter;
let posted: Array<{ clientId: string; body: unknown }>;
let clients: ChatClient[];

const summary = groupSummary(C);

/** The server: stores a message once per clientId, as the conversation object does. */
async function server(req: Request): Promise<Response> {
  const url = new URL(req.url);
  if (url.pathname === "/conversations") return Response.json({ conversations: [{ ...summary, lastSeq: posted.length }] });
  if (url.pathname === `/conversations/${C}/messages` && req.method === "POST") {
    const body = (await req.json()) as { clientId: string; body: unknown };
    let seq = posted.findIndex((p) => p.clientId === body.clientId) + 1;
    if (seq === 0) seq = posted.push(body);
    return Response.json({ conversationId: C, clientId: body.clientId, seq, id: `m${seq}`, createdAt: 1_000 + seq, duplicate: false }, { status: 201 });
  }
  if (url.pathname === `/conversations/${C}/messages`) return Response.json({ messages: [], hasMore: false, lastSeq: posted.length });
  return Response.json({ error: { code: "not_found", message: url.pathname } }, { status: 404 });
}

function app(): ChatClient {
  const client = new ChatClient();
  clients.push(client);
  client.start();
  return client;
}

beforeEach(() => {
  posted = [];
  clients = [];
  adapter = signInAgainst(ME, server);
});

afterEach(() => {
  signOutClients(clients);
});

describe("the outbox across a restart", () => {
  it("shows a message queued offline as sending after the app starts again, and sends it exactly once when back online", async () => {
    adapter.setOffline(true);
    const before = app();
    const clientId = before.send(C, { type: "text", body: { text: "sent from the tunnel" } });
    await before.flushOutbox();
    expect(before.pending()).toEqual([{ clientId, status: "sending" }]);
    before.socket.stop(); // the app is closed

    const after = app(); // a new client over the same storage
    expect(after.pending()).toEqual([{ clientId, status: "sending" }]);
    expect(after.store.get().messages[C]).toMatchObject([{ seq: 0, clientId, status: "sending", body: { text: "sent from the tunnel" }, senderId: ME }]);
    expect(posted).toEqual([]);

    adapter.setOffline(false);
    const online = adapter.requests.length; // the offline attempts are recorded too
    await Promise.all([after.flushOutbox(), after.flushOutbox()]); // e.g. `ready` and pull to refresh at once
    await after.flushOutbox();
    expect(posted).toEqual([{ clientId, type: "text", body: { text: "sent from the tunnel" } }]);
    // Once on the wire too, not only once in the server's log.
    expect(adapter.requests.slice(online).filter((r) => r.method === "POST" && r.url.endsWith(`/conversations/${C}/messages`))).toHaveLength(1);
    expect(after.pending()).toEqual([]);
    expect(JSON.parse(adapter.storage.get("qun.outbox")!)).toEqual([]);
    expect(after.store.get().messages[C]).toMatchObject([{ seq: 1, clientId, status: "sent" }]);
  });

  it("keeps a refused message failed, with the server's reason, across a restart", async () => {
    adapter.setOffline(true);
    const before = app();
    const clientId = before.send(C, { type: "text", body: { text: "x" } });
    await before.flushOutbox();
    before.socket.stop();
    const stored = JSON.parse(adapter.storage.get("qun.outbox")!) as Array<{ status: string; error: string }>;
    stored[0]!.status = "failed";
    stored[0]!.error = "You are muted in this group";
    adapter.storage.set("qun.outbox", JSON.stringify(stored));
    adapter.setOffline(false);
    const after = app();
    await after.flushOutbox();
    // A failed message waits for the user's retry: nothing goes out by itself.
    expect(posted).toEqual([]);
    expect(after.store.get().messages[C]).toMatchObject([{ clientId, status: "failed", error: "You are muted in this group" }]);
  });
});
