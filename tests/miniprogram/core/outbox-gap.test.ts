// A message sent after being away, when others wrote meanwhile: its ack names a seq past what the
// device holds, so the store pulls the gap before it can hold the message. Until that pull
// answers, the bubble stays on screen as sent (it is on the server); it never blinks out, and once
// the pull lands it is there once, after the message it missed.
import { signInAgainst, signOutClients, textMessage, groupSummary } from "./fixtures";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Message } from "../../../schema/protocol";
import { ChatClient } from "../../../miniprogram/services/chats";
import type { WxAdapter } from "../wx-adapter";

const C = "c_outboxgapoutboxgapou";
const ME = "u_aaaaaaaaaaaaaaaaaaaa";
const BOB = "u_bbbbbbbbbbbbbbbbbbbb";
let adapter: WxAdapter;
let log: Message[];
let clients: ChatClient[];
/** While set, history pages wait for it (the gap's pull is slow, or fails). */
let pages: Promise<void> | null;
let pageFails: boolean;

/** The server: stores a message once per clientId and answers history after a seq. */
async function server(req: Request): Promise<Response> {
  const url = new URL(req.url);
  if (url.pathname === "/conversations") return Response.json({ conversations: [{ ...groupSummary(C), lastSeq: log.length }] });
  if (url.pathname === `/conversations/${C}/messages` && req.method === "POST") {
    const body = (await req.json()) as { clientId: string; type: "text"; body: { text: string } };
    let m = log.find((x) => x.clientId === body.clientId);
    if (!m) {
      m = textMessage(C, log.length + 1, body.body.text, { senderId: ME, clientId: body.clientId });
      log.push(m);
    }
    return Response.json({ conversationId: C, clientId: body.clientId, seq: m.seq, id: m.id, createdAt: m.createdAt, duplicate: false }, { status: 201 });
  }
  if (url.pathname === `/conversations/${C}/messages`) {
    if (pages) await pages;
    if (pageFails) return Response.json({ error: { code: "internal", message: "try again" } }, { status: 500 });
    const after = Number(url.searchParams.get("after") ?? 0);
    return Response.json({ messages: log.filter((m) => m.seq > after), hasMore: false, lastSeq: log.length });
  }
  return Response.json({ error: { code: "not_found", message: url.pathname } }, { status: 404 });
}

function mine(client: ChatClient) {
  return (client.store.get().messages[C] ?? []).filter((m) => m.senderId === ME);
}

beforeEach(() => {
  log = [];
  clients = [];
  pages = null;
  pageFails = false;
  adapter = signInAgainst(ME, server);
});

afterEach(() => {
  signOutClients(clients);
});

async function awayWhileBobWrites(): Promise<{ client: ChatClient; clientId: string }> {
  const client = new ChatClient();
  clients.push(client);
  client.start();
  await client.flushOutbox();
  adapter.setOffline(true);
  const clientId = client.send(C, { type: "text", body: { text: "back from the tunnel" } });
  // Its first attempt fails for want of a network, and it stays queued.
  await vi.waitFor(() => expect(adapter.requests.some((r) => r.method === "POST")).toBe(true));
  await new Promise((r) => setTimeout(r, 10));
  expect(client.pending()).toEqual([{ clientId, status: "sending" }]);
  log.push(textMessage(C, 1, "Bob, while you were away", { senderId: BOB }));
  return { client, clientId };
}

describe("the outbox when the ack reveals a gap", () => {
  it("keeps the bubble on screen, as sent, while the gap is pulled, then shows it once after the missed message", async () => {
    const { client, clientId } = await awayWhileBobWrites();
    let release!: () => void;
    pages = new Promise((r) => (release = r));
    adapter.setOffline(false);
    const delivered = client.flushOutbox();
    await vi.waitFor(() => expect(log.some((m) => m.clientId === clientId)).toBe(true));
    // The ack is in; the pull it started waits for the server. The message must not vanish meanwhile.
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 5));
      expect(mine(client)).toMatchObject([{ clientId, status: "sent", seq: 2, body: { text: "back from the tunnel" } }]);
    }
    release();
    await delivered;
    await vi.waitFor(() =>
      expect(client.store.get().messages[C]?.map((m) => [m.seq, m.clientId ?? null])).toEqual([
        [1, null],
        [2, clientId],
      ]),
    );
    expect(client.pending()).toEqual([]);
    expect(JSON.parse(adapter.storage.get("qun.outbox")!)).toEqual([]);
  });

  it("keeps it as sent when that pull fails, and holds it once when a later pull brings it", async () => {
    const { client, clientId } = await awayWhileBobWrites();
    pageFails = true;
    adapter.setOffline(false);
    await client.flushOutbox();
    expect(log.filter((m) => m.clientId === clientId)).toHaveLength(1);
    expect(mine(client)).toMatchObject([{ clientId, status: "sent", seq: 2 }]);
    // Sent: another flush (the next `ready`) does not post it again.
    const posts = () => adapter.requests.filter((r) => r.method === "POST" && r.url.endsWith(`/conversations/${C}/messages`)).length;
    const before = posts();
    await client.flushOutbox();
    expect(posts()).toBe(before);

    pageFails = false;
    await client.refresh();
    await vi.waitFor(() =>
      expect(client.store.get().messages[C]?.map((m) => [m.seq, m.status])).toEqual([
        [1, "sent"],
        [2, "sent"],
      ]),
    );
    expect(client.pending()).toEqual([]);
    expect(JSON.parse(adapter.storage.get("qun.outbox")!)).toEqual([]);
  });
});
