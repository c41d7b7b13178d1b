import type { Env } from "../env";

/**
 * Sockets live in a fixed number of gateway objects, chosen by a hash of the user id, so all of
 * a user's devices share one shard and a conversation reaches any number of members with at
 * most GATEWAY_SHARDS calls per batch (docs/architecture.md has the measurements).
 */
export const GATEWAY_SHARDS = 16;

export function shardOf(userId: string): number {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < userId.length; i++) {
    h ^= userId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % GATEWAY_SHARDS;
}

/** Users grouped by the gateway shard that holds their sockets: one call per entry. */
export function groupByShard(userIds: Iterable<string>): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const u of userIds) {
    const s = shardOf(u);
    const list = out.get(s);
    if (list) list.push(u);
    else out.set(s, [u]);
  }
  return out;
}

export const gateway = (env: Env, shard: number) => env.GATEWAY.get(env.GATEWAY.idFromName(`gateway-${shard}`));
export const gatewayFor = (env: Env, userId: string) => gateway(env, shardOf(userId));
export const conversationObject = (env: Env, id: string) => env.CONVERSATION.get(env.CONVERSATION.idFromName(id));
