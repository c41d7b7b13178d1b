// Which conversations stopped pushing to this shard, and whom to tell when that must end.
// A conversation pushes each flush to every shard holding one of its members; when none of
// those members has a socket here, the shard says so (`deliver` → idle) and notes, in its own
// SQLite, "tell this conversation when one of these users connects". The conversation then
// skips the shard (fanout.ts), so a 50-member group with a handful online calls a handful of
// shards instead of all 16, and a direct chat with one side offline calls one.
// Nothing is lost: the connect that ends it tells every noted conversation BEFORE the socket is
// accepted and `ready` sent. A message skipped before the conversation heard it was stored and
// its summary written in D1 before the skip (summary before push), so the device's catch-up
// after `ready` finds it; every flush after it includes this shard again.
// Cost on connect: one SQL delete, plus one RPC per conversation that went quiet here while the
// user was away (a user in hundreds of busy groups, offline, pays that many calls, in parallel;
// their catch-up pulls from those same conversations anyway).

/** Users whose connect is waiting for the conversations to hear of it (see GatewayObject.fetch). */
export class WakeList {
  /** Users mid-connect: a push to them now is neither delivered nor noted (their catch-up covers it). */
  private readonly connecting = new Map<string, number>();

  constructor(private readonly sql: SqlStorage) {
    // The gateway's only table; IF NOT EXISTS because it is checked on every wake-up.
    sql.exec("CREATE TABLE IF NOT EXISTS wake (user_id TEXT NOT NULL, conversation_id TEXT NOT NULL, PRIMARY KEY (user_id, conversation_id)) WITHOUT ROWID");
  }

  /** Remembers to tell `conversationId` when any of `userIds` connects. */
  watch(conversationId: string, userIds: string[]) {
    for (const u of userIds) this.sql.exec("INSERT OR IGNORE INTO wake (user_id, conversation_id) VALUES (?, ?)", u, conversationId);
  }

  /** Whether a push to these users must not be called idle: one of them is connecting now. */
  anyConnecting(userIds: string[]): boolean {
    return this.connecting.size > 0 && userIds.some((u) => this.connecting.has(u));
  }

  /**
   * Runs `tell` for every conversation that skips this shard because `userId` was away, and then
   * `accept` (which must accept the socket synchronously). While `tell` runs, pushes to the user
   * are dropped rather than noted, so no conversation goes quiet again in between.
   */
  async connect<T>(userId: string, tell: (conversationIds: string[]) => Promise<unknown>, accept: () => T): Promise<T> {
    const ids = this.sql
      .exec<{ conversation_id: string }>("DELETE FROM wake WHERE user_id = ? RETURNING conversation_id", userId)
      .toArray()
      .map((r) => r.conversation_id);
    if (ids.length === 0) return accept();
    this.connecting.set(userId, (this.connecting.get(userId) ?? 0) + 1);
    try {
      await tell(ids);
      return accept();
    } finally {
      const n = (this.connecting.get(userId) ?? 1) - 1;
      if (n > 0) this.connecting.set(userId, n);
      else this.connecting.delete(userId);
    }
  }

  /** Tests: the conversations waiting for `userId`. */
  watching(userId: string): string[] {
    return this.sql
      .exec<{ conversation_id: string }>("SELECT conversation_id FROM wake WHERE user_id = ?", userId)
      .toArray()
      .map((r) => r.conversation_id);
  }
}
