// The shared zod schemas of schema/protocol.ts in plain Node: what a send, a socket frame and
// the conversation routes accept, at their edges, and the messages a refusal carries.
import { describe, expect, it } from "vitest";
import { MESSAGE_LIMITS as L } from "../../schema/limits";
import {
  clientFrame,
  clientId,
  conversationId,
  createGroupBody,
  forwardBody,
  historyQuery,
  mediaId,
  memberSettingsBody,
  openDirectBody,
  readBody,
  sendMessageBody,
  seq,
  userId,
} from "../../schema/protocol";

const U = "u_abcdefghij0123456789";
const M = "md_abcdefghij0123456789";
const C = "c_abcdefghij0123456789";
const ok = (schema: { safeParse(v: unknown): { success: boolean } }, v: unknown) => schema.safeParse(v).success;
function issue(schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } }, v: unknown): string {
  const r = schema.safeParse(v);
  if (r.success) throw new Error(`accepted ${JSON.stringify(v)}`);
  return r.error!.issues[0]!.message;
}

describe("ids", () => {
  it("accept only their own shapes, with a message saying what was expected", () => {
    expect(ok(conversationId, C) && ok(conversationId, "d_" + "a".repeat(40))).toBe(true);
    for (const bad of ["x_abcdefghij0123456789", "c_ABCDEFGHIJ0123456789", "c_" + "a".repeat(19), "c_" + "a".repeat(41), ` ${C}`, `${C} `]) expect(ok(conversationId, bad), bad).toBe(false);
    expect(issue(conversationId, "c_short")).toBe("Not a conversation id");
    expect(ok(userId, U)).toBe(true);
    for (const bad of ["u_abcdefghij012345678", "u_abcdefghij01234567890", `x${U}`, `${U}x`, "U_abcdefghij0123456789"]) expect(ok(userId, bad), bad).toBe(false);
    expect(issue(userId, "nope")).toBe("Not a user id");
    expect(ok(mediaId, M)).toBe(true);
    for (const bad of ["md_abcdefghij012345678", `x${M}`, `${M}x`, "md_ABCDEFGHIJ0123456789"]) expect(ok(mediaId, bad), bad).toBe(false);
    expect(issue(mediaId, "nope")).toBe("Not a media id");
  });

  it("take client ids of safe characters up to the limit, and seqs from 1", () => {
    expect(ok(clientId, "m-abc_1.2:3")).toBe(true);
    expect(ok(clientId, "x".repeat(L.clientIdChars))).toBe(true);
    for (const bad of ["", "x".repeat(L.clientIdChars + 1), "a b", "a/b", "ä"]) expect(ok(clientId, bad), bad).toBe(false);
    expect(issue(clientId, "a b")).toBe("clientId: letters, digits and ._:- only");
    expect(ok(seq, 1) && ok(seq, Number.MAX_SAFE_INTEGER)).toBe(true);
    for (const bad of [0, -1, 1.5, Number.MAX_SAFE_INTEGER + 2, "1"]) expect(ok(seq, bad), String(bad)).toBe(false);
  });
});

describe("a send", () => {
  const send = (v: Record<string, unknown>) => ({ clientId: "c1", ...v });

  it("takes each message type with its body, a reply target and mentions", () => {
    for (const v of [
      { type: "text", body: { text: "hi" }, mentions: [U], mentionAll: true, replyTo: 3 },
      { type: "text", body: { text: "x".repeat(L.textChars) }, mentions: Array(L.mentionsMax).fill(U) },
      { type: "image", body: { mediaId: M, width: 1, height: 20000, thumbMediaId: M } },
      { type: "voice", body: { mediaId: M, durationMs: 0 } },
      { type: "video", body: { mediaId: M, durationMs: 10 * 3600 * 1000, posterMediaId: M } },
      { type: "file", body: { mediaId: M, name: "a.pdf", size: 0 } },
      { type: "location", body: { latitude: -90, longitude: 180, name: "x".repeat(100), address: "y".repeat(200) } },
      { type: "location", body: { latitude: 90, longitude: -180 } },
    ])
      expect(ok(sendMessageBody, send(v)), JSON.stringify(v)).toBe(true);
  });

  it("refuses bodies outside their bounds, unknown fields and system messages", () => {
    for (const v of [
      { type: "text", body: { text: "" } },
      { type: "text", body: { text: "x".repeat(L.textChars + 1) } },
      { type: "text", body: { text: "hi" }, mentions: Array(L.mentionsMax + 1).fill(U) },
      { type: "text", body: { text: "hi", bold: true } },
      { type: "text", body: { text: "hi" }, extra: 1 },
      { type: "image", body: { mediaId: M, width: 0 } },
      { type: "image", body: { mediaId: M, height: 20001 } },
      { type: "voice", body: { mediaId: M } },
      { type: "voice", body: { mediaId: M, durationMs: -1 } },
      { type: "video", body: { mediaId: M, durationMs: 10 * 3600 * 1000 + 1 } },
      { type: "file", body: { mediaId: M, name: "", size: 1 } },
      { type: "file", body: { mediaId: M, name: "x".repeat(256), size: 1 } },
      { type: "file", body: { mediaId: M, name: "a", size: -1 } },
      { type: "location", body: { latitude: 90.1, longitude: 0 } },
      { type: "location", body: { latitude: 0, longitude: -180.1 } },
      { type: "location", body: { latitude: 0, longitude: 0, name: "x".repeat(101) } },
      { type: "location", body: { latitude: 0, longitude: 0, address: "x".repeat(201) } },
      { type: "system", body: { event: "created" } },
      { type: "text", body: { text: "hi" }, replyTo: 0 },
    ])
      expect(ok(sendMessageBody, send(v)), JSON.stringify(v)).toBe(false);
    expect(ok(sendMessageBody, { type: "text", body: { text: "no client id" } })).toBe(false);
  });

  it("refuses blank text, saying why", () => {
    expect(issue(sendMessageBody, send({ type: "text", body: { text: " \n\t " } }))).toBe("Text cannot be blank");
  });
});

describe("socket frames", () => {
  it("are send, read, recall, typing and ping, each with only its own fields", () => {
    for (const f of [
      { type: "send", ref: "r".repeat(64), conversationId: C, message: { clientId: "c1", type: "text", body: { text: "hi" } } },
      { type: "read", conversationId: C, seq: 2 },
      { type: "read", ref: "r1", conversationId: C, seq: 2 },
      { type: "recall", ref: "r2", conversationId: C, seq: 2 },
      { type: "typing", conversationId: C },
      { type: "ping" },
    ])
      expect(ok(clientFrame, f), JSON.stringify(f)).toBe(true);
    for (const f of [
      { type: "send", ref: "r".repeat(65), conversationId: C, message: { clientId: "c1", type: "text", body: { text: "hi" } } },
      { type: "read", ref: "r".repeat(65), conversationId: C, seq: 2 },
      { type: "recall", ref: "r".repeat(65), conversationId: C, seq: 2 },
      { type: "read", conversationId: C, seq: 0 },
      { type: "typing", conversationId: C, userId: U },
      { type: "ping", extra: 1 },
      { type: "pong" },
    ])
      expect(ok(clientFrame, f), JSON.stringify(f)).toBe(false);
  });
});

describe("conversation routes", () => {
  it("take a group name of 1 to 30 characters, trimmed, and at most 499 others", () => {
    expect(createGroupBody.parse({ name: "  Hikers ", memberIds: [] })).toEqual({ name: "Hikers", memberIds: [] });
    expect(ok(createGroupBody, { name: "x".repeat(L.groupNameChars), memberIds: Array(L.groupMembersMax - 1).fill(U) })).toBe(true);
    for (const v of [
      { name: "   ", memberIds: [] },
      { name: "x".repeat(L.groupNameChars + 1), memberIds: [] },
      { name: "a", memberIds: Array(L.groupMembersMax).fill(U) },
      { name: "a", memberIds: ["x"] },
    ]) {
      expect(ok(createGroupBody, v), JSON.stringify(v).slice(0, 80)).toBe(false);
    }
    expect(ok(openDirectBody, { userId: U })).toBe(true);
    expect(ok(openDirectBody, { userId: U, x: 1 })).toBe(false);
  });

  it("page history after 0 or before 1, a page of 1 to 200, from query strings", () => {
    expect(historyQuery.parse({ after: "0", limit: "200" })).toEqual({ after: 0, limit: L.historyPageMax });
    expect(historyQuery.parse({ before: "1", limit: "1" })).toEqual({ before: 1, limit: 1 });
    expect(historyQuery.parse({})).toEqual({});
    for (const q of [{ after: "-1" }, { before: "0" }, { limit: "0" }, { limit: String(L.historyPageMax + 1) }, { after: "1.5" }, { page: "2" }])
      expect(ok(historyQuery, q), JSON.stringify(q)).toBe(false);
  });

  it("read a seq, forward to 1 to 9 chats, and change at least one setting", () => {
    expect(ok(readBody, { seq: 1 }) && !ok(readBody, { seq: 0 })).toBe(true);
    expect(ok(forwardBody, { to: [C], clientId: "f1" })).toBe(true);
    expect(ok(forwardBody, { to: Array(L.forwardTargetsMax).fill(C), clientId: "f1" })).toBe(true);
    for (const v of [{ to: [], clientId: "f1" }, { to: Array(L.forwardTargetsMax + 1).fill(C), clientId: "f1" }, { to: [C] }]) expect(ok(forwardBody, v)).toBe(false);
    expect(ok(memberSettingsBody, { pinned: true }) && ok(memberSettingsBody, { doNotDisturb: false })).toBe(true);
    expect(issue(memberSettingsBody, {})).toBe("Nothing to update");
    expect(ok(memberSettingsBody, { muted: true })).toBe(false);
  });
});
