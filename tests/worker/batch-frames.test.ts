import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MESSAGE_LIMITS } from "../../schema/limits";
import type { ServerFrame } from "../../schema/protocol";
import { batchFrames } from "../../worker/gateway/batch";
import { gatewayFor } from "../../worker/lib/shards";
import { createGroup, makeUsers, sendText, SocketClient } from "./chat-helpers";

/** The frames a batching client handles, in the order it handles them. */
const unpacked = (frames: ServerFrame[]): ServerFrame[] => frames.flatMap((f) => (f.type === "batch" ? unpacked(f.frames) : [f]));

describe("batch frames, for sockets that ask for them", () => {
  it("gives a socket that connected with ?batch=1 the frames due together as one batch, in order, and a plain socket one frame each", async () => {
    const [user] = await makeUsers(1);
    const batching = await SocketClient.connect(user!.token, "header", "/ws?batch=1");
    await batching.next((f) => f.type === "ready");
    const plainSession = (await makeUsers(1))[0]!; // another user on a plain socket
    const plain = await SocketClient.connect(plainSession.token);
    await plain.next((f) => f.type === "ready");

    const frames = [1, 2, 3].map((n) => JSON.stringify({ type: "typing", conversationId: `d_${"0".repeat(19)}${n}`, userId: user!.id }));
    expect(await gatewayFor(env, user!.id).push([user!.id], frames)).toBe(1);
    expect(await gatewayFor(env, plainSession.id).push([plainSession.id], frames)).toBe(1);

    const batch = await batching.next((f) => f.type === "batch");
    expect(batch).toEqual({ type: "batch", frames: frames.map((f) => JSON.parse(f)) });
    await expect.poll(() => plain.frames.filter((f) => f.type === "typing").length).toBe(3);
    expect(plain.frames.some((f) => f.type === "batch")).toBe(false);
    expect(plain.frames.filter((f) => f.type === "typing")).toEqual(frames.map((f) => JSON.parse(f)));
    batching.close();
    plain.close();
  });

  it("sends a single due frame as itself, even to a batching socket", async () => {
    const [user] = await makeUsers(1);
    const s = await SocketClient.connect(user!.token, "header", "/ws?batch=1");
    await s.next((f) => f.type === "ready");
    const frame = { type: "typing", conversationId: `d_${"0".repeat(20)}`, userId: user!.id };
    await gatewayFor(env, user!.id).push([user!.id], [JSON.stringify(frame)]);
    expect(await s.next((f) => f.type === "typing")).toEqual(frame);
    expect(s.frames.some((f) => f.type === "batch")).toBe(false);
    s.close();
  });

  it("brings a burst into a group to a batching member complete, once each, in seq order, in fewer frames than messages", async () => {
    const [owner, member, other] = await makeUsers(3);
    const group = await createGroup(owner!, [member!, other!]);
    const s = await SocketClient.connect(member!.token, "header", "/ws?batch=1");
    await s.next((f) => f.type === "ready");

    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => sendText(owner!, group, `burst ${i}`)));
    const seqs = burst.map((r) => r.body.seq as number).sort((a, b) => a - b);
    const pushed = () => unpacked(s.frames).flatMap((f) => (f.type === "message" && f.message.conversationId === group && f.message.type === "text" ? [f.message.seq] : []));
    await expect.poll(pushed).toEqual(seqs);
    const carriers = s.frames.filter((f) => f.type === "batch" || (f.type === "message" && f.message.type === "text"));
    expect(carriers.length).toBeLessThan(20);
    s.close();
  });
});

describe("batchFrames", () => {
  it("keeps order, leaves a lone frame unwrapped and starts a new batch before the size limit", () => {
    const small = (n: number) => JSON.stringify({ type: "typing", n });
    expect(batchFrames([small(1)])).toEqual([small(1)]);
    const big = JSON.stringify({ type: "typing", pad: "x".repeat(MESSAGE_LIMITS.batchFrameBytes / 2) });
    const out = batchFrames([small(1), big, big, small(2)]);
    expect(out.length).toBe(2);
    expect(out.every((f) => f.length <= MESSAGE_LIMITS.batchFrameBytes + 64)).toBe(true);
    expect(out.flatMap((f) => unpacked([JSON.parse(f)]))).toEqual([small(1), big, big, small(2)].map((f) => JSON.parse(f)));
    const huge = JSON.stringify({ type: "typing", pad: "y".repeat(MESSAGE_LIMITS.batchFrameBytes * 2) });
    expect(batchFrames([small(1), huge, small(2)])).toEqual([small(1), huge, small(2)]);
  });
});
