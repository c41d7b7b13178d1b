// "Delete" on a stored message: the server hides it for this user (POST …/messages/:seq/hide), the
// store and the cache drop it, so neither a restart, a rebuild nor a catch-up brings it back; a
// `hidden` frame from another device of the same user does the same here.
import { groupSummary, signInAgainst, signOutClients, textMessage } from "./fixtures";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChatClient } from "../../../miniprogram/services/chats";
import type { Message, ServerFrame } from "../../../schema/protocol";
import type { WxAdapter } from "../wx-adapter";

const C = "c_deletedeletedeletede";
const ME = "u_aaaaaaaaaaaaaaaaaaaa";
const summary = groupSummary(C, { lastSeq: 3, readSeq: 3, lastMessageAt: 1_000, role: "member" });
const message = (seq: number): Message => textMessage(C, seq, `message ${seq}`, { id: `m${seq}`, createdAt: 1_000 + seq });

let adapter: WxAdapter;
let hidden: Set<number>;
let hides: number[];
let clients: ChatClient[];

/** The server: history leaves out what this user hid, as the conversation object does. */
async function server(req: Request): Promise<Response> {
  const url = new URL(req.url);
  if (url.pathname === "/conversations") return Response.json({ conversations: [summary] });
  const hide = /\/messages\/(\d+)\/hide$/.exec(url.pathname);
  if (hide && req.method === "POST") {
    hidden.add(Number(hide[1]));
    hides.push(Number(hide[1]));
    return Response.json({ seq: Number(hide[1]) });
  }
  if (url.pathname === `/conversations/${C}/messages`) {
    const after = Number(url.searchParams.get("after") ?? 0);
    return Response.json({ messages: [1, 2, 3].filter((s) => s > after && !hidden.has(s)).map(message), hasMore: false, lastSeq: 3 });
  }
  return Response.json({ error: { code: "not_found", message: url.pathname } }, { status: 404 });
}

function client(): ChatClient {
  const c = new ChatClient();
  clients.push(c);
  c.start();
  return c;
}
const seqs = (c: ChatClient) => (c.store.get().messages[C] ?? []).map((m) => m.seq);

beforeEach(() => {
  hidden = new Set();
  hides = [];
  clients = [];
  adapter = signInAgainst(ME, server);
});

afterEach(() => {
  signOutClients(clients);
});

describe("delete for me", () => {
  it("hides the message on the server and drops it from the store and the cache: a restart and a catch-up do not bring it back", async () => {
    const device = client();
    await device.refresh();
    expect(seqs(device)).toEqual([1, 2, 3]);
    await device.deleteForMe(C, { seq: 2 });
    expect(hides).toEqual([2]);
    expect(seqs(device)).toEqual([1, 3]);
    device.saveNow();
    device.socket.stop();

    adapter.setOffline(true);
    const restarted = client();
    expect(seqs(restarted)).toEqual([1, 3]);
    adapter.setOffline(false);
    await restarted.refresh();
    expect(seqs(restarted)).toEqual([1, 3]);
  });

  it("changes nothing when the server cannot be reached, and says so", async () => {
    const device = client();
    await device.refresh();
    adapter.setOffline(true);
    await expect(device.deleteForMe(C, { seq: 2 })).rejects.toMatchObject({ code: "network" });
    expect(seqs(device)).toEqual([1, 2, 3]);
  });

  it("drops what another device of this user deleted when its hidden frame arrives", async () => {
    const device = client();
    await device.refresh();
    const frame: ServerFrame = { type: "hidden", conversationId: C, seqs: [1, 3] };
    (device as unknown as { onFrame(f: ServerFrame): void }).onFrame(frame);
    expect(seqs(device)).toEqual([2]);
  });
});
