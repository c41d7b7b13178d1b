// @vitest-environment node
// (esbuild, which renders generated/protocol.ts, does not load under jsdom.)
//
// miniprogram/generated/limits.ts and generated/protocol.ts are committed (DevTools compiles
// miniprogram/ as it is), so nothing rewrites them on their own: this fails when either is not
// what scripts/gen-miniprogram-shared.ts would write from schema/ today.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GENERATED_LIMITS, GENERATED_PROTOCOL, renderProtocol, renderShared, type SharedSource } from "../../../scripts/gen-miniprogram-shared.ts";
import { CONTACT_LIMITS } from "../../../schema/contacts";
import { GROUP_LIMITS, LIMITS, MEDIA_LIMITS, MESSAGE_LIMITS } from "../../../schema/limits";
import { locationBody, serverFrame } from "../../../schema/protocol";
import * as client from "../../../miniprogram/generated/limits";
import * as clientProtocol from "../../../miniprogram/generated/protocol";

const schema: SharedSource = { LIMITS, MESSAGE_LIMITS, GROUP_LIMITS, MEDIA_LIMITS, CONTACT_LIMITS, locationBody };

describe("the mini-program's generated limits", () => {
  it("are exactly what npm run gen:miniprogram writes from schema/ (run it after changing a limit)", () => {
    expect(readFileSync(GENERATED_LIMITS, "utf8")).toBe(renderShared(schema));
  });

  it("would differ once a limit in schema/ changes", () => {
    const changed = renderShared({ ...schema, MESSAGE_LIMITS: { ...MESSAGE_LIMITS, textChars: MESSAGE_LIMITS.textChars + 1 } });
    expect(changed).not.toBe(readFileSync(GENERATED_LIMITS, "utf8"));
  });

  it("hold the server's values, the location lengths included", () => {
    expect(client.MESSAGE_LIMITS.recallWindowMs).toBe(MESSAGE_LIMITS.recallWindowMs);
    expect(client.PROFILE_LIMITS.nicknameMax).toBe(LIMITS.nicknameMax);
    expect(client.CONTACT_LIMITS.greetingChars).toBe(CONTACT_LIMITS.greetingChars);
    expect(locationBody.safeParse({ latitude: 0, longitude: 0, name: "x".repeat(client.LOCATION_LIMITS.nameChars) }).success).toBe(true);
    expect(locationBody.safeParse({ latitude: 0, longitude: 0, name: "x".repeat(client.LOCATION_LIMITS.nameChars + 1) }).success).toBe(false);
    expect(locationBody.safeParse({ latitude: 0, longitude: 0, address: "x".repeat(client.LOCATION_LIMITS.addressChars + 1) }).success).toBe(false);
  });
});

describe("the mini-program's generated frame schemas", () => {
  it("are exactly what npm run gen:miniprogram bundles from schema/server-frames.ts (run it after changing a frame)", async () => {
    expect(readFileSync(GENERATED_PROTOCOL, "utf8")).toBe(await renderProtocol());
  });

  it("import nothing at run time: what they use of zod is bundled in, and the rest of schema/ stays out of the client", () => {
    const imports = [...readFileSync(GENERATED_PROTOCOL, "utf8").matchAll(/^import (type )?.* from "([^"]+)";$/gm)].map((m) => `${m[1] ?? ""}${m[2]}`);
    expect(imports).toEqual(["type zod/mini", "type ../../schema/protocol"]);
  });

  it("accept and refuse what schema/protocol.ts does", () => {
    const message = {
      conversationId: "c_x",
      seq: 3,
      id: "m3",
      senderId: "u1",
      clientId: null,
      type: "text",
      body: { text: "hi" },
      mentions: [],
      mentionAll: false,
      replyTo: { seq: 1, unavailable: true },
      forwarded: null,
      createdAt: 1,
      recalledAt: null,
      recalledBy: null,
    };
    const frames: unknown[] = [
      { type: "ready", userId: "u1", sessionId: "s1", serverTime: 1 },
      { type: "message", message },
      { type: "message", message: { ...message, type: "sticker" } },
      { type: "message", message: { ...message, replyTo: { seq: 1 } } },
      { type: "batch", frames: [{ type: "pong" }, { type: "presence", userId: "u2", online: true }] },
      { type: "batch", frames: [{ type: "batch", frames: [] }] },
      { type: "session_ended", reason: "expired" },
      { type: "session_ended", reason: "bored" },
      { type: "contacts", changed: ["tags"] },
      { type: "join_request", conversationId: "c_x", request: null },
      { type: "error", code: "invalid_request", message: "no" },
      { type: "error", code: "invalid_request" },
      { type: "teleport" },
      "pong",
    ];
    const verdicts = frames.map((f) => serverFrame.safeParse(f).success);
    expect(frames.map((f) => clientProtocol.serverFrame.safeParse(f).success)).toEqual(verdicts);
    expect(verdicts).toEqual([true, true, false, false, true, false, true, false, true, false, true, false, false, false]);
  });
});
