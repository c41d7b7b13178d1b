import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { connectShard, deliveryShards, groupByDeliveryShard, jumpHash, layoutOf } from "../../worker/lib/shard-layout";

const users = (n: number, prefix = "u") => Array.from({ length: n }, (_, i) => `${prefix}${i.toString(36)}-${(i * 2654435761) >>> 0}`);

describe("jump consistent hashing of users to gateway shards", () => {
  it("always answers a shard below the count, the same one every time", () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 5000 }), (key, n) => {
        const s = jumpHash(key, n);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThan(n);
        expect(jumpHash(key, n)).toBe(s);
      }),
    );
    expect(jumpHash("anyone", 1)).toBe(0);
  });

  it("moves a user only onto a new shard when the count grows, never between old ones", () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 2000 }), (key, n, more) => {
        const before = jumpHash(key, n);
        const after = jumpHash(key, n + more);
        expect(after === before || after >= n).toBe(true);
      }),
    );
  });

  it("spreads users evenly and moves the fewest possible when 16 shards become 24", () => {
    const ids = users(48_000);
    const counts = new Array<number>(16).fill(0);
    let moved = 0;
    for (const id of ids) {
      const s = jumpHash(id, 16);
      counts[s] = (counts[s] ?? 0) + 1;
      if (jumpHash(id, 24) !== s) moved++;
    }
    for (const c of counts) expect(Math.abs(c - 3000)).toBeLessThan(3000 * 0.08);
    // 1 − 16/24 = a third must move; a modulo hash would move about 2/3.
    expect(moved / ids.length).toBeGreaterThan(0.31);
    expect(moved / ids.length).toBeLessThan(0.36);
  });

  it("refuses a count that is not a positive whole number", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => jumpHash("x", bad)).toThrow(RangeError);
  });
});

describe("the shard layout", () => {
  it("reads the count and the previous count from the variables, 16 by default", () => {
    expect(layoutOf({})).toEqual({ count: 16, previous: null });
    expect(layoutOf({ GATEWAY_SHARDS: "24", GATEWAY_SHARDS_PREVIOUS: "16" })).toEqual({ count: 24, previous: 16 });
    expect(layoutOf({ GATEWAY_SHARDS: "24", GATEWAY_SHARDS_PREVIOUS: "24" })).toEqual({ count: 24, previous: null });
    expect(layoutOf({ GATEWAY_SHARDS: " ", GATEWAY_SHARDS_PREVIOUS: "" })).toEqual({ count: 16, previous: null });
    for (const bad of ["0", "-3", "2.5", "many", "5000"]) expect(() => layoutOf({ GATEWAY_SHARDS: bad })).toThrow(/GATEWAY_SHARDS/);
    expect(() => layoutOf({ GATEWAY_SHARDS_PREVIOUS: "x" })).toThrow(/GATEWAY_SHARDS_PREVIOUS/);
  });

  it("connects new sockets by the new count and delivers to both shards while the count changes", () => {
    const changing = { count: 24, previous: 16 };
    for (const id of users(2000)) {
      const shards = deliveryShards(changing, id);
      expect(shards[0]).toBe(connectShard(changing, id));
      expect(shards).toContain(jumpHash(id, 16));
      expect(new Set(shards).size).toBe(shards.length);
      expect(deliveryShards({ count: 24, previous: null }, id)).toEqual([jumpHash(id, 24)]);
    }
  });

  it("groups users by every shard they may be on, each user under one or two", () => {
    const ids = users(500);
    const steady = groupByDeliveryShard({ count: 16, previous: null }, ids);
    expect([...steady.values()].flat().sort()).toEqual([...ids].sort());
    const changing = groupByDeliveryShard({ count: 24, previous: 16 }, ids);
    const seen = [...changing.values()].flat();
    expect(new Set(seen)).toEqual(new Set(ids));
    const twice = ids.filter((id) => deliveryShards({ count: 24, previous: 16 }, id).length === 2).length;
    expect(seen.length).toBe(ids.length + twice);
    expect(twice / ids.length).toBeGreaterThan(0.25);
  });
});
