// Seeding and socket helpers for the messaging specs. Users are created through the same
// service functions the routes use (without PBKDF2, which only password sign-up needs).
import { env, SELF } from "cloudflare:test";
import type { Message, ServerFrame } from "../../schema/protocol";
import { friendships } from "../../schema/d1";
import { db } from "../../worker/db";
import { findOrCreateByOpenid } from "../../worker/services/accounts";
import { startSession } from "../../worker/services/tokens";
import { api } from "./helpers";

export interface TestUser {
  id: string;
  token: string;
  nickname: string;
}

let n = 0;
export async function makeUser(name = "member"): Promise<TestUser> {
  const d = db(env);
  const nickname = `${name}${++n}`;
  const { user } = await findOrCreateByOpenid(d, `test:${nickname}:${crypto.randomUUID()}`, null, nickname);
  const tokens = await startSession(env, d, user.id, "test");
  return { id: user.id, token: tokens.accessToken, nickname };
}

export async function makeUsers(count: number, name = "member"): Promise<TestUser[]> {
  const out: TestUser[] = [];
  for (let i = 0; i < count; i++) out.push(await makeUser(name));
  return out;
}

/** The owner befriends the members first: only friends can be put in a group. */
export async function createGroup(owner: TestUser, members: TestUser[], name = "Team"): Promise<string> {
  await befriend(owner, ...members);
  const res = await api("POST", "/conversations", { token: owner.token, body: { name, memberIds: members.map((m) => m.id) } });
  if (res.status !== 201) throw new Error(`create group: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/**
 * Seeds friendships of `a` with each of `others` straight into D1 (no request, no notice), as
 * direct chats and adding people to groups need them. Already friends stay as they are.
 */
export async function befriend(a: { id: string }, ...others: { id: string }[]) {
  const d = db(env);
  const now = Date.now();
  const rows = others
    .filter((b) => b.id !== a.id)
    .flatMap((b) => [
      { userId: a.id, friendId: b.id, createdAt: now },
      { userId: b.id, friendId: a.id, createdAt: now },
    ]);
  // 10 rows a statement keeps each under D1's 100 bound parameters.
  const stmts = [];
  for (let i = 0; i < rows.length; i += 10)
    stmts.push(
      d
        .insert(friendships)
        .values(rows.slice(i, i + 10))
        .onConflictDoNothing(),
    );
  const [first, ...rest] = stmts;
  if (first) await d.batch([first, ...rest]);
}

/** Befriends the two, then opens their direct chat. */
export async function openDirect(a: TestUser, b: TestUser): Promise<string> {
  await befriend(a, b);
  const res = await api("POST", "/conversations/direct", { token: a.token, body: { userId: b.id } });
  if (res.status !== 201 && res.status !== 200) throw new Error(`open direct: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

let clientSeq = 0;
export async function sendText(user: TestUser, conversationId: string, text: string, extra: Record<string, unknown> = {}) {
  return api("POST", `/conversations/${conversationId}/messages`, {
    token: user.token,
    body: { clientId: `c${++clientSeq}`, type: "text", body: { text }, ...extra },
  });
}

export async function history(user: TestUser, conversationId: string, query = ""): Promise<Message[]> {
  const res = await api("GET", `/conversations/${conversationId}/messages${query}`, { token: user.token });
  if (res.status !== 200) throw new Error(`history: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.messages;
}

/** A WebSocket client over the worker's real /ws route, recording every frame it receives. */
export class SocketClient {
  /** Every socket a spec opened and has not seen closed; setup.ts closes them after each spec. */
  static readonly open = new Set<SocketClient>();
  readonly frames: ServerFrame[] = [];
  closed: { code: number; reason: string } | null = null;
  private waiters: (() => void)[] = [];
  private listeners: ((f: ServerFrame) => void)[] = [];

  onFrame(listener: (f: ServerFrame) => void) {
    this.listeners.push(listener);
  }

  private constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (e) => {
      const frame = JSON.parse(e.data as string) as ServerFrame;
      this.frames.push(frame);
      for (const l of this.listeners) l(frame);
      this.wake();
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
      SocketClient.open.delete(this);
      this.wake();
    });
  }

  static async connect(token: string | null, how: "header" | "protocol" = "header", path = "/ws"): Promise<SocketClient> {
    const headers: Record<string, string> = { upgrade: "websocket" };
    if (token && how === "header") headers.authorization = `Bearer ${token}`;
    if (token && how === "protocol") headers["sec-websocket-protocol"] = `qun, ${token}`;
    const res = await SELF.fetch(`https://qun.test${path}`, { headers });
    if (!res.webSocket) throw new Error(`no websocket: ${res.status} ${await res.text()}`);
    res.webSocket.accept();
    const client = new SocketClient(res.webSocket);
    SocketClient.open.add(client);
    client.protocol = res.headers.get("sec-websocket-protocol");
    return client;
  }

  protocol: string | null = null;

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(frame: unknown) {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Waits until `pred` matches a received frame (searching those already received first). */
  async next<T extends ServerFrame = ServerFrame>(pred: (f: ServerFrame) => boolean, timeoutMs = 3000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.frames.find(pred);
      if (hit) return hit as T;
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting; frames: ${JSON.stringify(this.frames)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for a frame; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async waitClosed(timeoutMs = 3000) {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error("socket did not close");
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.closed;
  }

  messages(conversationId?: string): Message[] {
    return this.frames.flatMap((f) => (f.type === "message" && (!conversationId || f.message.conversationId === conversationId) ? [f.message] : []));
  }

  close() {
    try {
      this.ws.close(1000, "bye");
    } catch {
      // already closed
    }
  }

  /**
   * Closes every socket still open and waits (briefly) for the server's side of each close, so no
   * gateway work from one spec runs into the next spec or past the end of the file.
   */
  static async closeAll(timeoutMs = 1000) {
    const open = [...SocketClient.open];
    for (const s of open) s.close();
    await Promise.all(open.map((s) => s.waitClosed(timeoutMs).catch(() => SocketClient.open.delete(s))));
  }
}
