// Which gateway shards a conversation's flush may skip: those where, at the last push, none of
// its members had a socket. The shard then noted to tell us when one connects (worker/gateway/
// wake.ts explains why nothing is lost), and every IDLE_PROBE_MS the shard is called again anyway.
import { shardOf } from "../lib/shards";

/**
 * How long a shard stays skipped without word from it: a bound on what a lost wake-up call could
 * cost (the next push after it reaches the device, whose gap check pulls what it missed).
 */
export const IDLE_PROBE_MS = 30_000;

export class IdleShards {
  /** Shard → since when none of our members there had a socket. */
  private idle = new Map<number, number>();
  /** Bumped when a shard's member connects, so a push answered "idle" before that cannot mark it idle after. */
  private epochs = new Map<number, number>();

  /** A member's first socket opened on their shard (the gateway tells us before their `ready`). */
  memberOnline(userId: string) {
    const shard = shardOf(userId);
    this.idle.delete(shard);
    this.epochs.set(shard, this.epoch(shard) + 1);
  }

  /** Membership changed: a new member's shard never noted us, so every shard is called again. */
  forget() {
    this.idle.clear();
  }

  skips(shard: number, now: number): boolean {
    const since = this.idle.get(shard);
    if (since === undefined) return false;
    if (now - since < IDLE_PROBE_MS) return true;
    this.idle.delete(shard);
    return false;
  }

  epoch(shard: number): number {
    return this.epochs.get(shard) ?? 0;
  }

  /** The shard answered a push made at `epoch` with "none of your members here is online". */
  answeredIdle(shard: number, epoch: number) {
    if (this.epoch(shard) === epoch) this.idle.set(shard, Date.now());
  }
}
