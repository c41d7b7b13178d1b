// Sending over the socket: with the socket open a message goes out as a `send` frame whose ref is
// its clientId, and the ack settles it, with no HTTPS request; with the socket down the same
// message goes by POST …/messages with the same clientId. A refusal on the socket fails the
// message as a refusal over HTTPS would; a "try later" leaves it in the outbox.
import { groupSummary, signInAs } from "./fixtures";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { ChatClient } from "../../../miniprogram/services/chats";
import { endSession } from "../../../miniprogram/services/session";
import { waitFor } from "../harness";
import { closeSockets, createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";

const C = "c_socketsendsocketsend";
const ME = "u_aaaaaaaaaaaaaaaaaaaa";
const summary = groupSummary(C);

let server: Server;
let wss: WebSocketServer;
let base: string;
let adapter: WxAdapter;
let client: ChatClient;
/** What the server received, by path: socket `send` frames and HTTPS posts. */
let frames: Array<{ ref: string; clientId: string }>;
let posts: string[];
/** How the socket answers a `send`: an ack, or an error code. */
let answer: "ack" | "forbidden" | "rate_limited";

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    let body = "";
    for await (const chunk of req) body += chunk;
    res.setHeader("content-type", "application/json");
    if (url.pathname === "/conversations") return res.end(JSON.stringify({ conversations: [summary] }));
    if (url.pathname === `/conversations/${C}/messages` && req.method === "POST") {
      const { clientId } = JSON.parse(body) as { clientId: string };
      posts.push(clientId);
      res.statusCode = 201;
      return res.end(JSON.stringify({ conversationId: C, clientId, seq: posts.length + frames.length, id: `m-${clientId}`, createdAt: 1_000, duplicate: false }));
    }
    if (url.pathname === `/conversations/${C}/messages`) return res.end(JSON.stringify({ messages: [], hasMore: false, lastSeq: 0 }));
    res.statusCode = 404;
    res.end(JSON.stringify({ error: { code: "not_found", message: url.pathname } }));
  });
  wss = new WebSocketServer({ server, path: "/ws" });
  wss.on("connection", (ws) => {
    ws.send(JSON.stringify({ type: "ready", userId: ME, sessionId: "s1", serverTime: Date.now() }));
    ws.on("message", (data) => {
      const frame = JSON.parse(String(data)) as { type: string; ref: string; message: { clientId: string } };
      if (frame.type !== "send") return;
      frames.push({ ref: frame.ref, clientId: frame.message.clientId });
      if (answer === "ack") {
        const ack = { conversationId: C, clientId: frame.message.clientId, seq: frames.length, id: `m-${frame.ref}`, createdAt: 1_000, duplicate: false };
        ws.send(JSON.stringify({ type: "ack", ref: frame.ref, ack }));
      } else {
        ws.send(JSON.stringify({ type: "error", ref: frame.ref, code: answer, message: answer === "forbidden" ? "You are muted in this group" : "Slow down" }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(async () => {
  frames = [];
  posts = [];
  answer = "ack";
  adapter = createWxAdapter();
  installWx(adapter);
  adapter.storage.set("qun.apiBase", JSON.stringify(base));
  signInAs(ME);
  client = new ChatClient();
  client.start();
  await waitFor(() => client.store.get().connection === "online", "online");
});

afterEach(() => {
  client.socket.stop();
  closeSockets(adapter);
  endSession("user");
});

describe("sending a message", () => {
  it("goes over the open socket with its clientId as the ref, and the ack settles it without HTTPS", async () => {
    const clientId = client.send(C, { type: "text", body: { text: "on the socket" } });
    await waitFor(() => client.pending().length === 0, "acknowledged");
    expect(frames).toEqual([{ ref: clientId, clientId }]);
    expect(posts).toEqual([]);
    expect(adapter.requests.filter((r) => r.method === "POST")).toEqual([]);
    expect(client.store.get().messages[C]).toMatchObject([{ seq: 1, clientId, status: "sent" }]);
  });

  it("goes over HTTPS with the same clientId while the socket is down", async () => {
    client.socket.stop();
    const clientId = client.send(C, { type: "text", body: { text: "over https" } });
    await waitFor(() => client.pending().length === 0, "acknowledged");
    expect(frames).toEqual([]);
    expect(posts).toEqual([clientId]);
    expect(client.store.get().messages[C]).toMatchObject([{ seq: 1, clientId, status: "sent" }]);
  });

  it("fails a message the server refuses on the socket, with its reason, and sends it nowhere else", async () => {
    answer = "forbidden";
    const clientId = client.send(C, { type: "text", body: { text: "muted" } });
    await waitFor(() => client.pending()[0]?.status === "failed", "failed");
    expect(client.store.get().messages[C]).toMatchObject([{ clientId, status: "failed", error: "You are muted in this group" }]);
    expect(posts).toEqual([]);
  });

  it("keeps a message the socket says to retry later in the outbox, and the next flush sends it again with the same clientId", async () => {
    answer = "rate_limited";
    const clientId = client.send(C, { type: "text", body: { text: "busy" } });
    await waitFor(() => frames.length === 1, "first try");
    await client.flushOutbox();
    expect(client.pending()).toEqual([{ clientId, status: "sending" }]);
    answer = "ack";
    await client.flushOutbox();
    expect(frames.map((f) => f.ref)).toEqual([clientId, clientId, clientId]); // the first try, a refused retry, the acked one
    expect(client.pending()).toEqual([]);
  });
});
