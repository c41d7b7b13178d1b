// Presence: when a user's first device connects or last one leaves, their friends hear it.
// One D1 read for the user's friends, then one push per shard that holds any of them, however
// many friends there are. Announcements leave one at a time: a user's sockets all live in this
// shard, so a quick disconnect and reconnect cannot push "online" before the "offline" it follows.
import type { ServerFrame } from "../../schema/protocol";
import { db } from "../db";
import type { Env } from "../env";
import { gateway, groupByShard, shardOf } from "../lib/shards";
import { friendIdsOf } from "../data/contacts";

export class Presence {
  /** Since the object woke: presence changes announced, and the shard pushes they took. */
  readonly counters = { announcements: 0, shardDeliveries: 0 };
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly env: Env,
    /** Pushes to this shard's own sockets without a call to itself. */
    private readonly pushHere: (userIds: string[], frames: string[]) => unknown,
  ) {}

  announce(userId: string, online: boolean): Promise<void> {
    this.queue = this.queue.then(() => this.announceNow(userId, online));
    return this.queue;
  }

  private async announceNow(userId: string, online: boolean) {
    try {
      const friends = await friendIdsOf(db(this.env), userId);
      if (friends.length === 0) return;
      const frame = JSON.stringify({ type: "presence", userId, online } satisfies ServerFrame);
      const byShard = groupByShard(friends);
      this.counters.announcements++;
      this.counters.shardDeliveries += byShard.size;
      // The user's own shard is this object.
      await Promise.allSettled([...byShard].map(([shard, ids]) => (shard === shardOf(userId) ? this.pushHere(ids, [frame]) : gateway(this.env, shard).push(ids, [frame]))));
    } catch (e) {
      console.error(JSON.stringify({ msg: "presence failed", userId, error: String(e) }));
    }
  }
}
