import { describe, expect, it } from "vitest";
import { INPUTS } from "../../scripts/capacity/inputs";
import { callsFromConversation, ceilings, d1Ceiling, distinctShards, type Inputs, loadAt, shardsNeeded } from "../../scripts/capacity/model";
import { designs, measuredFromBench } from "../../scripts/capacity/run";

const withDesign = (patch: Partial<Inputs["design"]>, traffic: Partial<Inputs["traffic"]> = {}): Inputs => ({
  ...INPUTS,
  design: { ...INPUTS.design, ...patch },
  traffic: { ...INPUTS.traffic, ...traffic },
});

describe("the capacity model", () => {
  it("counts the distinct shards a conversation's members fall into", () => {
    expect(distinctShards(1, 16)).toBeCloseTo(1);
    expect(distinctShards(0, 16)).toBe(0);
    expect(distinctShards(500, 16)).toBeCloseTo(16, 3);
    expect(distinctShards(2, 1_000_000)).toBeCloseTo(2, 3);
    expect(distinctShards(50, 16)).toBeGreaterThan(15);
    expect(distinctShards(50, 16)).toBeLessThan(16);
  });

  it("spreads sockets over the shards: twice the shards, half the sockets on each", () => {
    const step = { online: 1_000_000, messagesPerSecond: 10_000 };
    const at16 = loadAt(withDesign({ gatewayShards: 16 }), step).gateway.socketsPerShard;
    const at32 = loadAt(withDesign({ gatewayShards: 32 }), step).gateway.socketsPerShard;
    expect(at16).toBeCloseTo((1_000_000 * INPUTS.traffic.devicesPerOnlineUser) / 16);
    expect(at32).toBeCloseTo(at16 / 2);
  });

  it("puts the single D1 writer's ceiling at one write batch per message when nobody reads", () => {
    const noReads = { readersPerOnlineRecipient: 0 };
    expect(d1Ceiling({ ...withDesign({ summaries: "d1", readsRideFlush: false }, noReads), limits: { ...INPUTS.limits, d1WriteBatchMs: 1 } })).toBeCloseTo(1000);
    expect(d1Ceiling({ ...withDesign({ summaries: "d1", readsRideFlush: false }, noReads), limits: { ...INPUTS.limits, d1WriteBatchMs: 2 } })).toBeCloseTo(500);
    expect(d1Ceiling(withDesign({ summaries: "d1-sharded", d1Shards: 4, readsRideFlush: false }, noReads))).toBeCloseTo(4000);
    expect(d1Ceiling(withDesign({ summaries: "shard-inbox" }))).toBe(Number.POSITIVE_INFINITY);
  });

  it("costs the measured batches per message when reads ride the next flush, two when each read has its own", () => {
    const ridden = withDesign({ summaries: "d1-sharded", d1Shards: 2, readsRideFlush: true });
    expect(d1Ceiling(ridden)).toBeCloseTo((2 * 1000) / INPUTS.measured.d1BatchesPerMessage);
    const ownBatch = withDesign({ summaries: "d1", d1Shards: 1, readsRideFlush: false });
    expect(loadAt(ownBatch, { online: 10_000, messagesPerSecond: 100 }).d1.writeBatchesPerSecond).toBeCloseTo(200);
    expect(loadAt(ridden, { online: 10_000, messagesPerSecond: 100 }).d1.writeBatchesPerSecond).toBeCloseTo(100 * INPUTS.measured.d1BatchesPerMessage);
  });

  it("calls fewer shards per message when only shards with a member online are called", () => {
    const step = { online: 100_000, messagesPerSecond: 1_000 };
    const all = loadAt(withDesign({ onlineShardsOnly: false }), step).perMessage.shardCalls;
    const online = loadAt(withDesign({ onlineShardsOnly: true }), step).perMessage.shardCalls;
    expect(online).toBeLessThan(all);
    // A direct chat alone: the peer's shard when online, the sender's own devices' shard.
    const direct = withDesign({ onlineShardsOnly: true }, { mix: [{ name: "direct", members: 2, share: 1 }], memberOnlineChance: 1 });
    expect(loadAt(direct, step).perMessage.shardCalls).toBeCloseTo(distinctShards(2, 16));
  });

  it("caps the calls a conversation makes itself when relays carry its fan-out", () => {
    expect(callsFromConversation(120, 16)).toBe(16);
    expect(callsFromConversation(3, 16)).toBe(3);
    expect(callsFromConversation(120, 0)).toBe(120);
    const step = { online: 10_000_000, messagesPerSecond: 100_000 };
    const big = withDesign({ gatewayShards: 2000, onlineShardsOnly: true });
    const relayed = withDesign({ gatewayShards: 2000, onlineShardsOnly: true, relays: 16 });
    expect(loadAt(relayed, step).hottestConversation.cpuShare).toBeLessThan(loadAt(big, step).hottestConversation.cpuShare / 3);
  });

  it("finds the fewest shards that keep sockets, requests and CPU at half their limits", () => {
    const step = { online: 10_000_000, messagesPerSecond: 100_000 };
    const shards = shardsNeeded(INPUTS, step);
    expect(shards).not.toBeNull();
    const load = loadAt(withDesign({ gatewayShards: shards ?? 0 }), step);
    expect(load.gateway.socketsPerShard).toBeLessThanOrEqual(INPUTS.limits.socketsPerObject / 2);
    expect(load.gateway.requestsPerShard).toBeLessThanOrEqual(INPUTS.limits.objectRequestsPerSecond / 2);
    const fewer = loadAt(withDesign({ gatewayShards: Math.floor((shards ?? 0) / 1.3) }), step);
    expect(fewer.gateway.requestsPerShard > 500 || fewer.gateway.socketsPerShard > INPUTS.limits.socketsPerObject / 2 || fewer.gateway.cpuShare > 0.5).toBe(true);
  });

  it("lists today's limits in the order the load reaches them, the D1 writer first", () => {
    const order = ceilings(INPUTS, { online: 10_000, messagesPerSecond: 100 });
    expect(order[0]?.limit).toBe("D1 writer");
    expect(order.map((c) => c.messagesPerSecond)).toEqual([...order.map((c) => c.messagesPerSecond)].sort((a, b) => a - b));
    const sockets = order.find((c) => c.limit === "gateway sockets per object");
    expect(sockets?.online).toBeCloseTo((16 * 32_768) / INPUTS.traffic.devicesPerOnlineUser, 0);
  });

  it("charges every message's rows and requests, and more for an inbox object per user", () => {
    const step = { online: 100_000, messagesPerSecond: 1_000 };
    const today = loadAt(INPUTS, step);
    const inbox = loadAt(withDesign({ summaries: "user-inbox", onlineShardsOnly: true }), step);
    expect(today.rowsWrittenPerMessage).toBeGreaterThan(INPUTS.design.conversationRowsPerMessage);
    expect(inbox.objectRequestsPerMessage).toBeGreaterThan(today.objectRequestsPerMessage * 3);
    expect(inbox.monthly.total).toBeGreaterThan(today.monthly.total);
    expect(Object.values(today.monthly.parts).reduce((a, b) => a + b, 0)).toBeCloseTo(today.monthly.total);
  });

  it("keeps the recommended design under every limit up to 100,000 messages a second, today's up to 1,000 but not 10,000, and the one before not 1,000", () => {
    const [today, before, , recommended] = designs(INPUTS);
    expect(loadAt(today?.inputs ?? INPUTS, { online: 100_000, messagesPerSecond: 1_000 }).first.share).toBeLessThanOrEqual(1);
    expect(loadAt(today?.inputs ?? INPUTS, { online: 1_000_000, messagesPerSecond: 10_000 }).first.share).toBeGreaterThan(1);
    expect(loadAt(before?.inputs ?? INPUTS, { online: 100_000, messagesPerSecond: 1_000 }).first.share).toBeGreaterThan(1);
    for (const step of [
      { online: 1_000_000, messagesPerSecond: 10_000 },
      { online: 10_000_000, messagesPerSecond: 100_000 },
    ]) {
      const base = recommended?.inputs ?? INPUTS;
      const shards = shardsNeeded(base, step) ?? 0;
      const sized = { ...base, design: { ...base.design, gatewayShards: shards } };
      const one = loadAt({ ...sized, design: { ...sized.design, d1Shards: 1 } }, step).d1.busyShare;
      const load = loadAt({ ...sized, design: { ...sized.design, d1Shards: Math.ceil(one / 0.5) } }, step);
      expect(load.first.share).toBeLessThanOrEqual(1);
    }
  });

  it("takes the measured costs from a bench report when one is given", () => {
    const report = {
      results: {
        qun: {
          sweeps: {
            "50": [{ rate: 20, members: 50, cpuUsPerDelivery: { "workerd (qun)": 300 } }],
            "500": [{ rate: 20, members: 500, cpuUsPerDelivery: { "workerd (qun)": 50 } }],
          },
        },
      },
    };
    const { measured, notes } = measuredFromBench(report, INPUTS.measured, 16);
    expect(measured.socketFrameMs).toBeCloseTo(0.014);
    expect(measured.sendMs).toBeCloseTo(15 - 16 * 0.65 - 50 * 0.014);
    expect(notes).toHaveLength(2);
    expect(measuredFromBench({}, INPUTS.measured, 16).measured).toEqual(INPUTS.measured);
    // D1 batches per message only from a run where every member reads.
    const direct = { results: { qun: { direct: { d1: { batchesPerMessage: 1.1 } } } } };
    expect(measuredFromBench({ ...direct, machine: { readers: true } }, INPUTS.measured, 16).measured.d1BatchesPerMessage).toBe(1.1);
    expect(measuredFromBench({ ...direct, machine: { readers: false } }, INPUTS.measured, 16).measured.d1BatchesPerMessage).toBe(INPUTS.measured.d1BatchesPerMessage);
  });
});
