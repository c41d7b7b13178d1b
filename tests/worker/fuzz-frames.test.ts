// The generated bad-input campaign over the socket. Every client→server frame type in
// schema/protocol.ts (send with each message type, read, recall, typing, ping) is mutated from a
// valid frame by fast-check, alongside arbitrary JSON, text that is not JSON and binary frames,
// all sent by a member over a real socket. Property: the socket stays open, every error frame
// carries a known code below 500 and no stack trace, and a refused frame writes nothing (D1's
// write log, the conversations' and the gateway's storage). A frame can be valid (a mutation that
// still parses): its ack or silence is accepted and it becomes the state later refusals are held to.
import { env } from "cloudflare:test";
import fc from "fast-check";
import { FRAME_LIMITS } from "../../schema/limits";
import { describe, expect, it } from "vitest";
import { ERROR_STATUS } from "../../schema/errors";
import { clientFrame, type ServerFrame } from "../../schema/protocol";
import { READ_COALESCE_MS } from "../../worker/gateway/object";
import { conversationObject, gatewayFor } from "../../worker/lib/shards";
import { edgeString, mutationsOf, toJsonText } from "../support/arbitraries";
import { createGroup, makeUser, openDirect, sendText, SocketClient } from "./chat-helpers";
import { FUZZ, hash32, installWriteLog, objectState, ROUTE_SHARE, settleWrites, takeWrites } from "./fuzz-helpers";
import { png, uploaded } from "./media-helpers";

// Valid frames, one per type and message type; "@group" and the like are filled in at run time.
const TEMPLATES: Record<string, unknown> = {
  "send text": { type: "send", ref: "s1", conversationId: "@group", message: { clientId: "gen-1", type: "text", body: { text: "hello" }, mentions: ["@owner"], mentionAll: false, replyTo: 2 } },
  "send image": { type: "send", ref: "s2", conversationId: "@group", message: { clientId: "gen-2", type: "image", body: { mediaId: "@media", width: 4, height: 3 } } },
  "send voice": { type: "send", ref: "s3", conversationId: "@direct", message: { clientId: "gen-3", type: "voice", body: { mediaId: "@media", durationMs: 1200 } } },
  "send video": {
    type: "send",
    ref: "s4",
    conversationId: "@group",
    message: { clientId: "gen-4", type: "video", body: { mediaId: "@media", durationMs: 5000, width: 4, height: 3, posterMediaId: "@media" } },
  },
  "send file": { type: "send", ref: "s5", conversationId: "@direct", message: { clientId: "gen-5", type: "file", body: { mediaId: "@media", name: "notes.txt", size: 12 } } },
  "send location": { type: "send", ref: "s6", conversationId: "@group", message: { clientId: "gen-6", type: "location", body: { latitude: 39.9, longitude: 116.4, name: "Here", address: "Street" } } },
  "send card": { type: "send", ref: "s7", conversationId: "@direct", message: { clientId: "gen-7", type: "card", body: { userId: "@member" } } },
  read: { type: "read", ref: "r1", conversationId: "@group", seq: 2 },
  recall: { type: "recall", ref: "c1", conversationId: "@group", seq: 3 },
  typing: { type: "typing", conversationId: "@direct" },
  ping: { type: "ping" },
};

type Frame = { kind: string; text: string; binary: boolean };

const enc = new TextEncoder();

const frameCase: fc.Arbitrary<Frame> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom(...Object.keys(TEMPLATES)).chain((kind) => mutationsOf(TEMPLATES[kind]).map((m) => ({ kind: `mutated ${kind}`, text: toJsonText(m.value), binary: false }))),
  },
  { weight: 1, arbitrary: fc.constantFrom(...Object.keys(TEMPLATES)).map((kind) => ({ kind: `valid ${kind}`, text: toJsonText(TEMPLATES[kind]), binary: false })) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => ({ kind: "arbitrary JSON", text: toJsonText(v), binary: false })) },
  {
    weight: 2,
    arbitrary: fc.oneof(
      edgeString.map((s) => ({ kind: "not JSON", text: s, binary: false })),
      fc.tuple(fc.constantFrom(...Object.keys(TEMPLATES)), fc.nat()).map(([kind, n]) => {
        const t = toJsonText(TEMPLATES[kind]);
        return { kind: `truncated ${kind}`, text: t.slice(0, n % t.length), binary: false };
      }),
      fc
        .constantFrom('{"type":"ping"} ', '{"type":"ping","type":"send"}', '{"type":"PING"}', "[".repeat(20_000), '{"type":"send","ref":"\\ud800"}')
        .map((text) => ({ kind: "malformed", text, binary: false })),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constantFrom(...Object.keys(TEMPLATES)).map((kind) => ({ kind: `binary ${kind}`, text: toJsonText(TEMPLATES[kind]), binary: true })),
      fc.uint8Array({ maxLength: 64 }).map((b) => ({ kind: "binary garbage", text: String.fromCharCode(...b), binary: true })),
    ),
  },
);

const fill = (text: string, ids: Record<string, string>) => text.replace(/"@(group|direct|owner|member|media)"/g, (_, k: string) => JSON.stringify(ids[k]));
/** Binary garbage keeps its bytes (one per char); everything else is UTF-8. */
const asBytes = (f: Frame, text: string) => (f.kind === "binary garbage" ? Uint8Array.from(text, (c) => c.charCodeAt(0)) : enc.encode(text));

describe("generated bad input over the socket", () => {
  const runs = Math.round(FUZZ.runs * (1 - ROUTE_SHARE));

  it("keeps a member's socket open through generated and near-valid frames of every type, answers refusals with known error codes and writes nothing for them", { timeout: 900_000 }, async () => {
    const owner = await makeUser("owner");
    const member = await makeUser("member");
    const group = await createGroup(owner, [member], "Fuzzed");
    const direct = await openDirect(owner, member);
    await sendText(owner, group, "from the owner");
    await sendText(member, group, "from the member");
    const media = (await uploaded(member, png())).id;
    const ids = { group, direct, owner: owner.id, member: member.id, media };
    await installWriteLog();

    const s = await SocketClient.connect(member.token);
    await s.next((f) => f.type === "ready");
    const watcher = await SocketClient.connect(owner.token);
    await watcher.next((f) => f.type === "ready");
    const stubs = [conversationObject(env, group), conversationObject(env, direct), gatewayFor(env, member.id)];
    const state = () => Promise.all(stubs.map((stub) => objectState(stub)));
    let objects = await state();
    let cases = 0;
    let refused = 0;
    const started = Date.now();

    // A case sends two frames (the case and the probe): paced to the socket's frame budget, as a
    // client must be, or the gateway would refuse and then cut the socket off (4429).
    const caseMs = Math.ceil((2 * 1000) / FRAME_LIMITS.perSecond) + 5;
    let lastCase = 0;
    const property = fc.asyncProperty(frameCase, async (f) => {
      const wait = lastCase + caseMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      lastCase = Date.now();
      const probe = `probe-${++cases}`;
      s.frames.splice(0); // only this case's answers, and no rescanning of earlier ones
      const text = fill(f.text, ids);
      s.ws.send(f.binary ? asBytes(f, text) : text);
      // A valid read is answered (if at all) after the gateway's coalescing delay: wait it out.
      let parsed: unknown = undefined;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: refused at once
      }
      const check = clientFrame.safeParse(parsed);
      if (check.success && check.data.type === "read") await new Promise((r) => setTimeout(r, READ_COALESCE_MS * 4));
      s.send({ type: "nothing", ref: probe });
      await s.next((x) => x.type === "error" && x.ref === probe, 10_000);
      if (s.closed) throw new Error(`the socket closed: ${JSON.stringify(s.closed)}`);

      const answers = s.frames.filter((x) => !(x.type === "error" && x.ref === probe));
      const errors = answers.filter((x): x is Extract<ServerFrame, { type: "error" }> => x.type === "error");
      for (const e of errors) {
        if (!(e.code in ERROR_STATUS)) throw new Error(`an error frame with an unknown code: ${JSON.stringify(e)}`);
        if (ERROR_STATUS[e.code as keyof typeof ERROR_STATUS] >= 500) throw new Error(`an error frame for a server failure: ${JSON.stringify(e)}`);
        if (typeof e.message !== "string" || /\bat .+:\d+:\d+/.test(e.message)) throw new Error(`an error frame without a plain message: ${JSON.stringify(e)}`);
      }
      const [writes, now] = await Promise.all([takeWrites(), state()]);
      if (errors.length === 0) {
        // Accepted (acked, or silent like typing): once its background writes are done, the
        // state later refusals are held to.
        await settleWrites();
        objects = await state();
        return;
      }
      refused++;
      if (answers.some((x) => x.type === "ack")) throw new Error(`both refused and acknowledged: ${JSON.stringify(answers)}`);
      if (writes.length) throw new Error(`refused with ${JSON.stringify(errors[0])} but wrote D1: ${writes.join(", ")}`);
      const changed = now.flatMap((st, i) => (st === objects[i] ? [] : [["group", "direct chat", "gateway"][i]]));
      if (changed.length) throw new Error(`refused with ${JSON.stringify(errors[0])} but changed the storage of the ${changed.join(", ")}`);
    });

    try {
      await fc.assert(property, { numRuns: runs, seed: FUZZ.seed ^ hash32("frames"), includeErrorInReport: true });
    } catch (e) {
      throw new Error(`socket frames: reproduce with QUN_FUZZ_SEED=${FUZZ.seed}\n${(e as Error).message}`);
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`fuzz frames: ${cases} cases (${refused} refused) in ${seconds.toFixed(1)} s, ${(cases / seconds).toFixed(0)}/s`);
    expect(cases).toBeGreaterThanOrEqual(runs);
    expect(refused).toBeGreaterThan(runs / 2); // most generated frames are bad ones
    s.close();
    watcher.close();
    // Let the gateway finish with the closes (presence, pending reads) before the test's storage goes.
    await s.waitClosed();
    await watcher.waitClosed();
    await settleWrites();
  });
});
