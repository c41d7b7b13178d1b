// The bad-input campaign. Every route the Hono app registers (walked from app.routes, so routes
// added later are covered) gets generated bad bodies, queries and path parameters, and the socket
// gets bad frames. Each answer must be a 4xx with the `{ error: { code, message } }` body whose
// code matches the status, never a 5xx; afterwards D1 holds exactly the rows it held before.
// tests/reliability/ repeats the wire-level part against a real `wrangler dev` process.
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ERROR_STATUS } from "../../schema/errors";
import { app } from "../../worker/app";
import { bytes } from "../support/arbitraries";
import { createGroup, history, makeUser, makeUsers, sendText, SocketClient, type TestUser } from "./chat-helpers";

const enc = new TextEncoder();

/** Routes that sign in (no token needed), and the one route whose whole point is to change state without a body. */
const PUBLIC = [/^\/health$/, /^\/auth\/(register|login|wechat|dev|refresh)$/, /^\/invites\/:code\/qr\.(svg|png)$/, /^\/j\/:code$/, /^\/media\/:id$/];
// Signing out (the app's or a web session's) is the request; it needs no body to be right. An upload takes any bytes as a file
// (a "bad" body is a valid upload, stored and counted against the quota): its refusals are
// specified in media-upload.test.ts and media-quota.test.ts. A web sign-in QR code's body is `{}`,
// one of the campaign's bodies, which rightly makes a ticket: its refusals are in web-login.test.ts.
const SKIP = new Set(["POST /auth/logout", "POST /auth/web/logout", "POST /media", "POST /auth/web/qr"]);

// Every field name the API's bodies use, each with a value of the wrong type.
const WRONG_TYPES = {
  name: 42,
  memberIds: "u_x",
  userId: 7,
  userIds: {},
  clientId: 5,
  type: [],
  body: "text",
  text: {},
  seq: "1",
  to: 1,
  mentions: "all",
  mentionAll: "yes",
  replyTo: "1",
  pinned: "true",
  doNotDisturb: 1,
  username: [],
  password: 12345678,
  code: {},
  refreshToken: 1,
  nickname: [],
  signature: 1,
  mediaIds: "md_x",
  conversationId: 9,
  remark: [],
  message: {},
  durationSeconds: "60",
  policy: 1,
  kind: 2,
  contentType: 3,
  size: "big",
  currentPassword: 1,
  newPassword: 2,
  device: [],
};

interface Payload {
  name: string;
  contentType?: string;
  body: () => BodyInit | null;
}

const BODIES: Payload[] = [
  { name: "truncated JSON", contentType: "application/json", body: () => '{"name": "x", "memberIds": [' },
  { name: "single-quoted JSON", contentType: "application/json", body: () => "{'name': 'x'}" },
  { name: "trailing garbage", contentType: "application/json", body: () => '{"a":1} trailing' },
  { name: "bare word", contentType: "application/json", body: () => "undefined" },
  { name: "empty body", contentType: "application/json", body: () => "" },
  { name: "an array", contentType: "application/json", body: () => "[1,2,3]" },
  { name: "a string", contentType: "application/json", body: () => '"hello"' },
  { name: "null", contentType: "application/json", body: () => "null" },
  { name: "a number", contentType: "application/json", body: () => "1e309" },
  { name: "wrong types in every field", contentType: "application/json", body: () => JSON.stringify(WRONG_TYPES) },
  { name: "prototype keys", contentType: "application/json", body: () => '{"__proto__": {"admin": true}, "constructor": {"prototype": {}}}' },
  { name: "a huge field under the body limit", contentType: "application/json", body: () => JSON.stringify({ name: "x".repeat(60_000), text: "y", clientId: "z" }) },
  { name: "deep nesting", contentType: "application/json", body: () => `${"[".repeat(30_000)}${"]".repeat(30_000)}` },
  { name: "invalid UTF-8", contentType: "application/json", body: () => bytes('{"name": "', [0xff, 0xfe, 0xc3, 0x28], '", "text": "', [0xed, 0xa0, 0x80], '"}') },
  { name: "a body over 64 KiB", contentType: "application/json", body: () => JSON.stringify({ name: "x".repeat(70_000) }) },
  { name: "a 2 MiB body", contentType: "application/json", body: () => JSON.stringify({ text: "x".repeat(2 * 1024 * 1024) }) },
  {
    name: "a 1 MiB body streamed without a length",
    contentType: "application/json",
    body: () => {
      let sent = 0;
      return new ReadableStream({
        pull(c) {
          if (sent >= 1024 * 1024) return c.close();
          sent += 16 * 1024;
          c.enqueue(enc.encode(sent === 16 * 1024 ? `{"text":"${"x".repeat(16 * 1024 - 9)}` : "x".repeat(16 * 1024)));
        },
      });
    },
  },
  { name: "JSON sent as text/plain", contentType: "text/plain", body: () => '{"name":"x"}' },
  { name: "form data", contentType: "application/x-www-form-urlencoded", body: () => "name=x&memberIds=y" },
  { name: "a content type with odd parameters", contentType: "application/json; charset=utf-16; boundary=", body: () => "{}" },
];

const QUERIES = [
  "?after=-1&before=0&limit=abc",
  "?limit=1e309&after=NaN&before=Infinity",
  "?after=1&after=2&limit=0",
  `?q=${"x".repeat(4000)}`,
  "?%ZZ=1&q=%E0%A4%A",
  "?q=%00%01%1F&cursor=%FF",
  "?limit=999999999999999999999999",
];

const PARAMS = ["%ZZ", "x".repeat(3000), "%00", "..%2F..%2Fhealth", "%F0%9F%98%80", "c_", " ", "1e309", "-1"];
const SAMPLE: Record<string, string> = { ":seq": "1", ":decision": "approve" };

function routes() {
  const seen = new Set<string>();
  return app.routes
    .filter((r) => r.method !== "ALL")
    .filter((r) => {
      const key = `${r.method} ${r.path}`;
      if (seen.has(key) || SKIP.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((r) => ({ method: r.method, path: r.path, isPublic: PUBLIC.some((p) => p.test(r.path)) }));
}

/** Fills path parameters: the group's id where a conversation is meant, otherwise a made-up value. */
const fill = (path: string, group: string, value?: string) =>
  path.replace(/:([A-Za-z]+)(\{[^}]*\})?/g, (_, name: string) => value ?? SAMPLE[`:${name}`] ?? (name === "id" && !path.startsWith("/media") ? group : `${name}-none`));

/** Pages for people (the /j/ landing page a phone's camera opens) answer errors in HTML. */
const HTML_PAGES = /^\/j\//;

/** The error contract: never 5xx; any 4xx is JSON `{ error: { code, message } }` with the code's status. */
function violation(res: Response, text: string, path: string): string | null {
  if (res.status >= 500) return `${res.status} ${text.slice(0, 160)}`;
  if (res.status < 400) return null;
  if (HTML_PAGES.test(path) && res.headers.get("content-type")?.startsWith("text/html")) return null;
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return `${res.status} with a non-JSON body: ${text.slice(0, 80)}`;
  }
  const code = body?.error?.code;
  if (typeof code !== "string" || typeof body.error.message !== "string") return `${res.status} without an error body: ${text.slice(0, 120)}`;
  if (ERROR_STATUS[code as keyof typeof ERROR_STATUS] !== res.status) return `${res.status} with code ${code}`;
  if (/\bat .+:\d+:\d+/.test(text)) return `${res.status} leaks a stack trace`;
  return null;
}

async function d1Counts(): Promise<Record<string, number>> {
  const tables = await env.DB.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%' and name != 'd1_migrations'").all<{ name: string }>();
  const out: Record<string, number> = {};
  for (const { name } of tables.results) out[name] = (await env.DB.prepare(`select count(*) as n from "${name}"`).first<{ n: number }>())!.n;
  return out;
}

describe("the bad-input campaign over HTTP", () => {
  it("answers every generated bad body, query and path on every route with a 4xx error body, and writes nothing", { timeout: 240_000 }, async () => {
    const [owner, member] = (await makeUsers(2)) as [TestUser, TestUser];
    const outsider = await makeUser("outsider");
    const group = await createGroup(owner, [member], "Kept");
    await sendText(owner, group, "before the campaign");
    const before = await d1Counts();
    const list = routes();
    expect(list.length).toBeGreaterThan(50);

    const failures: string[] = [];
    let requests = 0;
    const attempt = async (label: string, method: string, path: string, isPublic: boolean, p?: Payload) => {
      const headers: Record<string, string> = {};
      if (!isPublic) headers.authorization = `Bearer ${outsider.token}`;
      if (p?.contentType) headers["content-type"] = p.contentType;
      const body = p && method !== "GET" && method !== "HEAD" ? p.body() : undefined;
      requests++;
      let res: Response;
      try {
        res = await SELF.fetch(`https://qun.test${path}`, { method, headers, body, ...(body instanceof ReadableStream ? { duplex: "half" } : {}) } as RequestInit);
      } catch (e) {
        failures.push(`${label}: the request threw ${String(e)}`);
        return;
      }
      const problem = violation(res, await res.text(), path);
      if (problem) failures.push(`${label}: ${problem}`);
    };

    for (const r of list) {
      const path = fill(r.path, group);
      if (r.method === "GET") {
        for (const q of QUERIES) await attempt(`${r.method} ${r.path}${q.slice(0, 40)}`, r.method, `${path}${q}`, r.isPublic);
      } else {
        for (const p of BODIES) await attempt(`${r.method} ${r.path} [${p.name}]`, r.method, path, r.isPublic, p);
      }
      if (r.path.includes(":")) {
        for (const v of PARAMS) await attempt(`${r.method} ${r.path} with params ${v.slice(0, 20)}`, r.method, fill(r.path, group, v), r.isPublic, r.method === "GET" ? undefined : BODIES[0]);
      }
    }
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(1000);

    // Nothing was written anywhere, and the group and the outsider's session are as they were.
    expect(await d1Counts()).toEqual(before);
    expect((await history(owner, group)).map((m) => m.seq)).toEqual([1, 2]);
    expect((await SELF.fetch("https://qun.test/me", { headers: { authorization: `Bearer ${outsider.token}` } })).status).toBe(200);
  });
});

describe("the bad-input campaign over the socket", () => {
  it("answers every bad frame from a member with an error frame, keeps the socket open and the group unchanged", async () => {
    const [owner, member] = (await makeUsers(2)) as [TestUser, TestUser];
    const group = await createGroup(owner, [member], "Kept");
    await sendText(owner, group, "before the frames");
    const s = await SocketClient.connect(member.token);
    await s.next((f) => f.type === "ready");
    const watcher = await SocketClient.connect(owner.token);
    await watcher.next((f) => f.type === "ready");
    const send = (message: unknown, ref: string) => ({ type: "send", ref, conversationId: group, message });

    const frames: [string, string | Uint8Array][] = [
      ["truncated JSON", '{"type":"send",'],
      ["not JSON", "hello"],
      ["a JSON array", "[1,2]"],
      ["null", "null"],
      ["an unknown frame type", JSON.stringify({ type: "delete_everything", ref: "u1" })],
      ["no type", JSON.stringify({ ref: "u2", conversationId: group })],
      ["wrong types", JSON.stringify({ type: "send", ref: 5, conversationId: 7, message: "hi" })],
      ["a bad conversation id", JSON.stringify({ type: "send", ref: "b1", conversationId: "../../x", message: { clientId: "c1", type: "text", body: { text: "x" } } })],
      ["text over the limit", JSON.stringify(send({ clientId: "c2", type: "text", body: { text: "x".repeat(4001) } }, "b2"))],
      ["a blank text", JSON.stringify(send({ clientId: "c3", type: "text", body: { text: "   " } }, "b3"))],
      ["a client id with spaces", JSON.stringify(send({ clientId: "a b", type: "text", body: { text: "x" } }, "b4"))],
      ["an unknown message type", JSON.stringify(send({ clientId: "c5", type: "system", body: { event: "created" } }, "b5"))],
      ["extra fields", JSON.stringify(send({ clientId: "c6", type: "text", body: { text: "x" }, admin: true }, "b6"))],
      ["too many mentions", JSON.stringify(send({ clientId: "c7", type: "text", body: { text: "x" }, mentions: Array.from({ length: 51 }, () => owner.id) }, "b7"))],
      ["a reply to a negative seq", JSON.stringify(send({ clientId: "c8", type: "text", body: { text: "x" }, replyTo: -1 }, "b8"))],
      ["a read of seq 0", JSON.stringify({ type: "read", ref: "r1", conversationId: group, seq: 0 })],
      ["a recall of a seq that does not exist", JSON.stringify({ type: "recall", ref: "r2", conversationId: group, seq: 99_999 })],
      ["a recall of someone else's message", JSON.stringify({ type: "recall", ref: "r3", conversationId: group, seq: 2 })],
      ["a ref over 64 characters", JSON.stringify({ type: "read", ref: "r".repeat(65), conversationId: group, seq: 1 })],
      ["deep nesting", `${"[".repeat(20_000)}${"]".repeat(20_000)}`],
      ["invalid UTF-8 in a binary frame", bytes('{"type":"send","ref":"', [0xff, 0xfe], '"}')],
      ["a frame over 64 KiB", JSON.stringify(send({ clientId: "c9", type: "text", body: { text: "x".repeat(70_000) } }, "b9"))],
    ];
    for (const [, frame] of frames) s.ws.send(frame);
    const probe = JSON.stringify({ type: "nothing", ref: "probe" });
    s.ws.send(probe);
    await s.next((f) => f.type === "error" && f.ref === "probe", 10_000);

    const errors = s.frames.filter((f) => f.type === "error");
    expect(errors.length).toBe(frames.length + 1); // one error each, the probe last
    for (const e of errors) {
      if (e.type !== "error") continue;
      expect(Object.keys(ERROR_STATUS)).toContain(e.code);
      expect(ERROR_STATUS[e.code as keyof typeof ERROR_STATUS]).toBeLessThan(500);
      expect(e.message).not.toMatch(/\bat .+:\d+:\d+/);
    }
    expect(s.frames.some((f) => f.type === "ack")).toBe(false);
    expect(s.closed).toBeNull();
    expect((await history(owner, group)).map((m) => m.seq)).toEqual([1, 2]);
    expect(watcher.frames.some((f) => f.type === "message")).toBe(false);
    // Closed and waited for: a close handshake still running when the file ends fails the run.
    s.close();
    watcher.close();
    await Promise.all([s.waitClosed(), watcher.waitClosed()]);
  });
});
