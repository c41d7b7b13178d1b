// Signing out while a message is on its way: the server's late answer belongs to nobody on this
// device any more, so the outbox writes nothing back to storage (sign-out removed it) and the
// next user's store does not show the message.
import { groupSummary, signInAgainst, signOutClients } from "./fixtures";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChatClient } from "../../../miniprogram/services/chats";
import { endSession } from "../../../miniprogram/services/session";
import type { WxAdapter } from "../wx-adapter";

const C = "c_signoutsignoutsignou";
const ME = "u_aaaaaaaaaaaaaaaaaaaa";
let adapter: WxAdapter;
let answer: (() => void) | null;
let clients: ChatClient[];

/** The server: lists one group and answers a send only when the spec says so. */
async function server(req: Request): Promise<Response> {
  const url = new URL(req.url);
  if (url.pathname === "/conversations") return Response.json({ conversations: [groupSummary(C)] });
  if (url.pathname === `/conversations/${C}/messages` && req.method === "POST") {
    const body = (await req.json()) as { clientId: string };
    await new Promise<void>((resolve) => (answer = resolve));
    return Response.json({ conversationId: C, clientId: body.clientId, seq: 1, id: "m1", createdAt: 1_001, duplicate: false }, { status: 201 });
  }
  if (url.pathname === `/conversations/${C}/messages`) return Response.json({ messages: [], hasMore: false, lastSeq: 0 });
  return Response.json({ error: { code: "not_found", message: url.pathname } }, { status: 404 });
}

beforeEach(() => {
  answer = null;
  clients = [];
  adapter = signInAgainst(ME, server);
});

afterEach(() => {
  answer?.();
  signOutClients(clients);
});

describe("the outbox at sign-out", () => {
  it("writes nothing back when the server answers a send after the user signed out", async () => {
    const client = new ChatClient();
    clients.push(client);
    client.start();
    await client.refresh();
    client.send(C, { type: "text", body: { text: "on its way" } });
    for (let i = 0; i < 50 && !answer; i++) await new Promise((r) => setTimeout(r, 10));
    expect(answer).not.toBeNull();
    expect(adapter.storage.has("qun.outbox")).toBe(true);

    endSession("user"); // signs the store out: the outbox key goes
    expect(adapter.storage.has("qun.outbox")).toBe(false);
    answer!();
    answer = null;
    await client.flushOutbox();
    await new Promise((r) => setTimeout(r, 50));
    expect(adapter.storage.has("qun.outbox")).toBe(false);
    expect(client.store.get().messages[C]).toBeUndefined();
  });
});
