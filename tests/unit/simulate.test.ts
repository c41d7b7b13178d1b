// The simulation's generators (scripts/simulate/population.ts) and its predicted-vs-measured
// comparison (scripts/simulate/compare.ts): the population is the one docs/scaling.md describes,
// and the model is asked the right question.
import { describe, expect, it } from "vitest";
import { INPUTS } from "../../scripts/capacity/inputs";
import { compare, difference, predict, type SimParameters, spread } from "../../scripts/simulate/compare";
import { conversationSizes, groupSizeWeights, population, rng, sample, schedule, sizeBuckets, WECHAT_LIKE, zipfWeights } from "../../scripts/simulate/population";

describe("the simulated population", () => {
  it("repeats itself from the same seed and differs with another", () => {
    const a = rng(7);
    const b = rng(7);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(rng(8)()).not.toBe(xs[0]);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it("draws WeChat-like sizes: 60% direct chats, most groups of 3 to 20, a tail of large groups up to 500", () => {
    const sizes = conversationSizes(20_000, WECHAT_LIKE, rng(1));
    const b = sizeBuckets(sizes);
    expect(b.direct! / sizes.length).toBeCloseTo(0.6, 1);
    const groups = sizes.length - b.direct!;
    expect(b["3-20"]! / groups).toBeGreaterThan(0.85);
    expect(b["3-20"]! / groups).toBeLessThan(0.91);
    expect(b["101-500"]).toBeGreaterThan(0);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(500);
    expect(Math.min(...sizes)).toBe(2);
    expect(sizes.every((n) => n === 2 || n >= 3)).toBe(true);
  });

  it("weights group sizes by a power law: a group of 3 is (6/3)^2 = 4 times as likely as one of 6", () => {
    const w = groupSizeWeights(WECHAT_LIKE);
    expect(w).toHaveLength(498);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(w[0]! / w[3]!).toBeCloseTo(4, 10);
  });

  it("gives Zipf weights: rank r carries 1/r of rank 1's traffic, all summing to 1", () => {
    const w = zipfWeights(1000, 1);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(w[0]! / w[9]!).toBeCloseTo(10, 10);
    // H(1000) ≈ 7.485: the busiest of a thousand carries about 13% of the traffic.
    expect(w[0]).toBeCloseTo(1 / 7.4855, 3);
  });

  it("samples distinct members below the count", () => {
    const r = rng(3);
    for (let i = 0; i < 50; i++) {
      const s = sample(30, 10, r);
      expect(new Set(s).size).toBe(10);
      expect(s.every((x) => x >= 0 && x < 30)).toBe(true);
    }
    expect(sample(5, 5, r).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(() => sample(3, 4, r)).toThrow(/cannot draw 4 of 3/);
  });

  it("puts the online share online and sends only where a member is online, within the per-sender limit", () => {
    const p = population({ users: 2000, conversations: 200, onlineShare: 0.1, sizes: WECHAT_LIKE, zipf: 1, rate: 50, perSenderMax: 8, seed: 5 });
    expect(p.online).toHaveLength(200);
    const online = new Set(p.online);
    for (const c of p.conversations) {
      expect(c.online).toEqual(c.members.filter((m) => online.has(m)));
      if (c.online.length === 0) expect(c.rate).toBe(0);
      expect(c.rate).toBeLessThanOrEqual(8 * c.online.length + 1e-9);
    }
    expect(p.rate).toBeGreaterThan(0);
    expect(p.rate).toBeLessThanOrEqual(50 + 1e-9);
    // Skewed: the busiest conversation carries several times the median active one.
    const rates = p.conversations
      .map((c) => c.rate)
      .filter((r) => r > 0)
      .sort((a, b) => b - a);
    expect(rates[0]! / rates[Math.floor(rates.length / 2)]!).toBeGreaterThan(10);
  });

  it("schedules each conversation's messages at about its rate, from its online members, in time order", () => {
    const p = population({ users: 1000, conversations: 50, onlineShare: 0.3, sizes: WECHAT_LIKE, zipf: 1, rate: 20, perSenderMax: 8, seed: 9 });
    const due = schedule(p, 200_000, rng(10));
    expect(due.length / 200).toBeGreaterThan(p.rate * 0.9);
    expect(due.length / 200).toBeLessThan(p.rate * 1.1);
    for (let i = 1; i < due.length; i++) expect(due[i]!.at).toBeGreaterThanOrEqual(due[i - 1]!.at);
    for (const d of due) expect(p.conversations[d.conversation]!.online).toContain(d.sender);
  });
});

describe("predicted vs measured", () => {
  const direct: SimParameters = {
    online: 100,
    onlineShare: 1,
    messagesPerSecond: 10,
    mix: [{ members: 2, share: 1 }],
    readersPerOnlineRecipient: 0,
    hottest: { members: 2, messagesPerSecond: 1 },
    gatewayShards: 1,
  };
  /** The design before summaries moved: every read reported alone made a D1 batch of its own. */
  const everyReadWritten = { ...INPUTS, design: { ...INPUTS.design, readsRideFlush: false } };

  it("asks the model about the simulation's own traffic: a direct chat with both online on one shard is one push and one delivery", () => {
    const p = predict(direct);
    expect(p.deliverCallsPerMessage).toBeCloseTo(1, 10);
    expect(p.deliveriesPerMessage).toBeCloseTo(1, 10);
    expect(p.conversationRequestsPerMessage).toBeCloseTo(1, 10);
    expect(p.gatewayRequestsPerMessage).toBeCloseTo(2, 10); // the send frame and the push
    // Today reads ride the next flush: the batches per message the bench measured, whoever reads.
    expect(p.d1BatchesPerMessage).toBeCloseTo(INPUTS.measured.d1BatchesPerMessage, 10);
    // Where every read made a batch of its own (the design before): one per message with no reader.
    expect(predict(direct, everyReadWritten).d1BatchesPerMessage).toBeCloseTo(1, 10);
    expect(p.gatewayRequestsPerShardPerSecond).toBeCloseTo(20, 10);
    expect(p.hottestConversationRequestsPerSecond).toBeCloseTo(1, 10);
    expect(p.hottestConversationShare).toBeCloseTo(0.1, 10);
    expect(p.hottestGatewayShare).toBe(1);
    expect(predict({ ...direct, gatewayShards: 16 }).hottestGatewayShare).toBe(1 / 16);
  });

  it("counts a read report per online recipient reading, and half a call per report at the conversation", () => {
    const p = predict({ ...direct, readersPerOnlineRecipient: 0.5 });
    expect(p.readReportsPerMessage).toBeCloseTo(0.5, 10);
    expect(p.conversationRequestsPerMessage).toBeCloseTo(1.25, 10);
    expect(p.d1StatementsPerMessage).toBeCloseTo(1.5, 10);
    expect(p.d1BatchesPerMessage).toBeCloseTo(INPUTS.measured.d1BatchesPerMessage, 10);
    expect(predict({ ...direct, readersPerOnlineRecipient: 0.5 }, everyReadWritten).d1BatchesPerMessage).toBeCloseTo(1.5, 10);
  });

  it("flags differences over 20% either way, and only those", () => {
    const p = predict(direct);
    const rows = compare(p, { deliverCallsPerMessage: 1.19, deliveriesPerMessage: 0.79, d1BatchesPerMessage: p.d1BatchesPerMessage * 1.21 });
    expect(rows.map((r) => [r.figure, r.over])).toEqual([
      ["deliverCallsPerMessage", false],
      ["deliveriesPerMessage", true],
      ["d1BatchesPerMessage", true],
    ]);
    expect(rows[0]!.difference).toBeCloseTo(0.19, 10);
  });

  it("treats a figure predicted as zero as infinitely off unless it is measured as zero too", () => {
    expect(difference(0, 0)).toBe(0);
    expect(difference(0, 1)).toBe(Number.POSITIVE_INFINITY);
    expect(difference(2, 1)).toBe(-0.5);
  });

  it("summarises rates as mean, p99 and max", () => {
    expect(spread([])).toEqual({ mean: 0, p99: 0, max: 0, count: 0 });
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(spread(xs)).toEqual({ mean: 50.5, p99: 100, max: 100, count: 100 });
  });
});
