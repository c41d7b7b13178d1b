// Bad input, generated: every route the app registers gets malformed JSON, wrong types, huge
// fields, invalid UTF-8 and oversize bodies from a signed-in user, and the socket gets the same
// kind of frames. Nothing may answer 5xx, every refusal has the error shape, the socket stays
// usable, and nothing is written.
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ServerFrame } from "../../schema/protocol";
import { app } from "../../worker/app";
import { createGroup, makeUsers, SocketClient, type TestUser } from "./chat-helpers";
import { count } from "./helpers";

const enc = new TextEncoder();
const big = "x".repeat(70 * 1024);

/** Bodies that must all be refused cleanly. */
const BODIES: [string, BodyInit, string][] = [
  ["malformed JSON", "{\"a\": ", "application/json"],
  ["a JSON string", "\"hello\"", "application/json"],
  ["a JSON array", "[1,2,3]", "application/json"],
  ["null", "null", "application/json"],
  ["wrong types", JSON.stringify({ name: 5, userId: [], userIds: "x", seq: "one", body: 7, clientId: {}, mediaIds: {}, code: false }), "application/json"],
  ["huge fields", JSON.stringify({ name: big.slice(0, 5000), text: big.slice(0, 5000), greeting: big.slice(0, 5000), userIds: Array(5000).fill("u_aaaaaaaaaaaaaaaaaaaa") }), "application/json"],
  ["an oversize body", JSON.stringify({ pad: big }), "application/json"],
  ["invalid UTF-8", new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), "application/json"],
  ["a form instead of JSON", "a=1&b=2", "application/x-www-form-urlencoded"],
  ["prototype pollution", "{\"__proto__\": {\"admin\": true}, \"constructor\": {\"prototype\": {\"x\": 1}}}", "application/json"],
];

/**
 * Routes that read no JSON body, so any bytes are as good as none: signing out, leaving,
 * dissolving (which would end the walk early), and media uploads, where any bytes are a valid
 * "file" (their refusals are specified in media-upload.test.ts).
 */
const NO_JSON_BODY = new Set(["POST /auth/logout", "POST /conversations/:id/leave", "POST /groups/:id/dissolve", "POST /media", "DELETE /media", "DELETE /media/:id"]);

const SAMPLE: Record<string, string> = { ":seq": "1", ":code": "AAAAAAAAAAAAAAAAAAAAAA", ":requestId": "jr_x", ":roomId": "r", ":decision": "approve", ":name": "t" };

describe("generated bad input", () => {
  it("never answers 5xx on any route, always with the error shape, and writes nothing", async () => {
    const [owner, member] = (await makeUsers(2)) as [TestUser, TestUser];
    const group = await createGroup(owner, [member], "Target");
    // A real group (so membership checks pass and validation is what refuses), and a user id
    // that exists nowhere (so body-less actions such as removing a member cannot succeed).
    const ids: Record<string, string> = { ":id": group, ":userId": "u_aaaaaaaaaaaaaaaaaaaa" };
    const routes = [...new Set(app.routes.filter((r) => r.method !== "ALL" && r.method !== "GET").map((r) => `${r.method} ${r.path}`))].filter((r) => !NO_JSON_BODY.has(r));
    expect(routes.length).toBeGreaterThan(30);
    const before = await Promise.all(["users", "conversations", "memberships", "friend_requests", "invites", "media"].map((t) => count(t)));
    const failures: string[] = [];
    for (const route of routes) {
      const [method, pattern] = route.split(" ") as [string, string];
      const path = pattern.replace(/:[A-Za-z]+(\{[^}]*\})?/g, (p) => {
        const key = p.replace(/\{.*\}$/, "");
        return ids[key] ?? SAMPLE[key] ?? "x";
      });
      for (const [what, body, type] of BODIES) {
        const res = await SELF.fetch(`https://qun.test${path}`, { method, headers: { authorization: `Bearer ${owner.token}`, "content-type": type }, body });
        const text = await res.text();
        let shaped = false;
        try {
          const j = JSON.parse(text);
          shaped = typeof j?.error?.code === "string" && typeof j?.error?.message === "string";
        } catch {
          // not JSON
        }
        // Routes that take no body may succeed (leave, dissolve…: not reached here, the owner's
        // requests on them are refused first or are harmless); any refusal must be a 4xx with
        // the shape, and no answer may be a 5xx. The owner must stay signed in throughout.
        if (res.status === 401) failures.push(`${route} with ${what}: signed out?`);
        if (res.status >= 500 || (res.status >= 400 && !shaped)) failures.push(`${route} with ${what}: ${res.status} ${text.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
    const after = await Promise.all(["users", "conversations", "memberships", "friend_requests", "invites", "media"].map((t) => count(t)));
    expect(after).toEqual(before);
  });

  it("answers malformed frames with error frames and keeps the socket usable", async () => {
    const [owner, member] = (await makeUsers(2)) as [TestUser, TestUser];
    const group = await createGroup(owner, [member], "Frames");
    const socket = await SocketClient.connect(owner.token);
    const frames: (string | ArrayBuffer)[] = [
      "{not json",
      "\"a string\"",
      "[]",
      "null",
      JSON.stringify({ type: "explode" }),
      JSON.stringify({ type: "send", conversationId: group }),
      JSON.stringify({ type: "send", conversationId: group, message: { clientId: "x", type: "text", body: { text: 5 } } }),
      JSON.stringify({ type: "send", conversationId: group, message: { clientId: "x", type: "text", body: { text: big.slice(0, 5000) } } }),
      JSON.stringify({ type: "read", conversationId: group, seq: -1 }),
      JSON.stringify({ type: "recall", conversationId: "c_nope", seq: 1 }),
      JSON.stringify({ type: "ping", extra: true }),
      new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]).buffer as ArrayBuffer,
      enc.encode(JSON.stringify({ type: "send", conversationId: group, message: { clientId: "x", type: "text", body: { text: big } } })).buffer as ArrayBuffer,
    ];
    for (const f of frames) socket.ws.send(f);
    await expect.poll(() => socket.frames.filter((f) => f.type === "error").length, { timeout: 5000 }).toBeGreaterThanOrEqual(frames.length - 1);
    for (const f of socket.frames.filter((f): f is Extract<ServerFrame, { type: "error" }> => f.type === "error")) {
      expect(typeof f.code).toBe("string");
      expect(f.code).not.toBe("internal");
    }
    expect(socket.closed).toBeNull();
    // Still usable: a good send is acked and stored.
    socket.send({ type: "send", ref: "ok", conversationId: group, message: { clientId: "good-1", type: "text", body: { text: "still here" } } });
    const ack = await socket.next<Extract<ServerFrame, { type: "ack" }>>((f) => f.type === "ack" && f.ref === "ok");
    expect(ack.ack.seq).toBe(2);
    expect((await env.DB.prepare("select last_seq as s from conversations where id = ?").bind(group).first<{ s: number }>())!.s).toBeGreaterThanOrEqual(1);
    socket.close();
  });
});
