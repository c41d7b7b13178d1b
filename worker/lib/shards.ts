import type { Env } from "../env";
import { connectShard, DEFAULT_SHARDS, deliveryShards, groupByDeliveryShard, layoutOf, type ShardLayout } from "./shard-layout";

/**
 * Sockets live in gateway objects, chosen by a hash of the user id, so all of a user's devices
 * share one shard and a conversation reaches any number of members with one call per shard per
 * batch (docs/architecture.md has the measurements). How many shards there are is configuration
 * (`GATEWAY_SHARDS`, 16 by default; docs/scaling.md): while it changes (`GATEWAY_SHARDS_PREVIOUS`
 * set) a user may have a socket on either of two shards, and everything addressed to them goes
 * to both (shard-layout.ts).
 */
let configured: ShardLayout | null = null;
let override: ShardLayout | null = null;
let version = 0;

/**
 * Reads the layout from the variables, once per isolate: every Worker and object of a deploy has
 * the same. Called where env first arrives (the Worker's handlers, the objects' constructors).
 */
export function useShardLayout(vars: Pick<Env, "GATEWAY_SHARDS" | "GATEWAY_SHARDS_PREVIOUS">): void {
  if (configured) return;
  configured = layoutOf(vars);
  version++;
}

export function shardLayout(): ShardLayout {
  return override ?? configured ?? { count: DEFAULT_SHARDS, previous: null };
}

/** Changes whenever the layout does: a conversation rebuilds its shard map when it moves. */
export function shardLayoutVersion(): number {
  return version;
}

/** Tests only: a change of the shard count under live sockets, without a deploy (null: back to the variables). */
export function overrideShardLayout(layout: ShardLayout | null): void {
  override = layout;
  version++;
}

/** The shard a user's new sockets connect to. */
export function shardOf(userId: string): number {
  return connectShard(shardLayout(), userId);
}

/** Users grouped by every shard that may hold their sockets: one call per entry. */
export function groupByShard(userIds: Iterable<string>): Map<number, string[]> {
  return groupByDeliveryShard(shardLayout(), userIds);
}

export const gateway = (env: Env, shard: number) => env.GATEWAY.get(env.GATEWAY.idFromName(`gateway-${shard}`));
/** The gateway a user's new socket connects to. */
export const gatewayFor = (env: Env, userId: string) => {
  useShardLayout(env);
  return gateway(env, shardOf(userId));
};
/** Every gateway that may hold a socket of the user: one, or two while the count changes. */
export const gatewaysOf = (env: Env, userId: string) => {
  useShardLayout(env);
  return deliveryShards(shardLayout(), userId).map((s) => gateway(env, s));
};
/** Frames for one user's devices, wherever their sockets are; resolves to the sockets reached. */
export async function pushToUser(env: Env, userId: string, frames: string[]): Promise<number> {
  const sent = await Promise.all(gatewaysOf(env, userId).map((g) => g.push([userId], frames)));
  return sent.reduce((a, b) => a + b, 0);
}
/** The same frames for many users' devices: one call per shard that may hold any of them. */
export async function pushToUsers(env: Env, userIds: Iterable<string>, frames: string[]): Promise<number> {
  useShardLayout(env);
  const sent = await Promise.all([...groupByShard(userIds)].map(([shard, users]) => gateway(env, shard).push(users, frames)));
  return sent.reduce((a, b) => a + b, 0);
}
export const conversationObject = (env: Env, id: string) => env.CONVERSATION.get(env.CONVERSATION.idFromName(id));
