// Development only (the simulation of a large deployment, docs/scaling.md#simulation): many
// accounts and conversations at once. Through the ordinary routes, 20,000 sign-ins and the
// friendships that groups need would take most of the run's ten minutes and the daily
// friend-request limit; this writes the rows straight into D1 and creates each conversation
// through its object as the routes do, so the objects, shards and summaries are the real ones.
// Reached through POST /dev/sim/users and /dev/sim/conversations, and the meter by name through
// GET /dev/meter (404 unless ENVIRONMENT is "development").
import type { Env } from "../env";
import { newId } from "../lib/ids";
import { meterSnapshot, type MeterSnapshot } from "../lib/meter";
import { unwrap } from "../lib/result";
import { conversationObject, shardLayout } from "../lib/shards";
import { inChunks } from "../lib/sql";
import { directId } from "./conversations";
import { signAccessToken } from "./tokens";

/** A seeded account; `token` (an access token of a new session) for the first `signedIn` only. */
export interface SeededUser {
  id: string;
  token?: string;
}

// Plain multi-row inserts under D1's 100 bound parameters a statement, 50 statements a batch.
const USER_ROWS = 25; // 4 parameters a row
const SESSION_ROWS = 25; // 4
const FRIEND_ROWS = 33; // 3

async function insertRows(env: Env, sqlHead: string, columns: number, rowsPerStatement: number, rows: unknown[][]) {
  const statements = inChunks(rows, rowsPerStatement).map((part) => env.DB.prepare(`${sqlHead} VALUES ${part.map(() => `(${Array(columns).fill("?").join(",")})`).join(",")}`).bind(...part.flat()));
  for (const part of inChunks(statements, 50)) await env.DB.batch(part);
}

/** `count` new accounts named `${prefix}${i}`; the first `signedIn` of them each get a session and an access token. */
export async function seedUsers(env: Env, count: number, signedIn: number, prefix: string, now = Date.now()): Promise<SeededUser[]> {
  const users: SeededUser[] = Array.from({ length: count }, () => ({ id: newId("u") }));
  await insertRows(
    env,
    "INSERT INTO users (id, nickname, created_at, updated_at)",
    4,
    USER_ROWS,
    users.map((u, i) => [u.id, `${prefix}${i}`, now, now]),
  );
  const sessions = users.slice(0, signedIn).map((u) => ({ user: u, sessionId: newId("s") }));
  await insertRows(
    env,
    "INSERT INTO sessions (id, user_id, created_at, last_seen_at)",
    4,
    SESSION_ROWS,
    sessions.map((s) => [s.sessionId, s.user.id, now, now]),
  );
  for (const s of sessions) s.user.token = (await signAccessToken(env, { userId: s.user.id, sessionId: s.sessionId }, now)).token;
  return users;
}

/**
 * Conversations of existing accounts: two members make a direct chat, more a group owned by the
 * first. Friendships between the first member and the others are written first (a group takes
 * only the owner's friends; a direct chat's rules read them). Returns the conversations' ids in order.
 */
export async function seedConversations(env: Env, conversations: { members: string[] }[], now = Date.now()): Promise<string[]> {
  const pairs = new Map<string, unknown[]>();
  for (const { members } of conversations) {
    const [owner, ...rest] = members;
    for (const other of rest) {
      pairs.set(`${owner}:${other}`, [owner, other, now]);
      pairs.set(`${other}:${owner}`, [other, owner, now]);
    }
  }
  await insertRows(env, "INSERT OR IGNORE INTO friendships (user_id, friend_id, created_at)", 3, FRIEND_ROWS, [...pairs.values()]);
  const ids: string[] = [];
  // A few at a time: each creation is a D1 batch and an object's first migration.
  for (const part of inChunks(conversations, 8)) {
    ids.push(
      ...(await Promise.all(
        part.map(async ({ members }) => {
          const [owner, ...rest] = members as [string, ...string[]];
          if (rest.length === 1) {
            const id = await directId(owner, rest[0]!);
            unwrap(await conversationObject(env, id).openDirect({ id, userIds: [owner, rest[0]!] }));
            return id;
          }
          const id = newId("c");
          unwrap(await conversationObject(env, id).createGroup({ id, name: `sim ${members.length}`, ownerId: owner, memberIds: rest }));
          return id;
        }),
      )),
    );
  }
  return ids;
}

// ---- the meter, by name ---------------------------------------------------------------------

/**
 * Every count of lib/meter.ts with objects named as the code names them (`gateway-3`, a
 * conversation's id) rather than by their hex ids: the names are known from the shard layout and
 * from D1's conversations. An object whose name is unknown keeps its hex id.
 */
export async function meterByName(env: Env): Promise<MeterSnapshot> {
  const snap = meterSnapshot();
  const names = new Map<string, string>();
  const { count, previous } = shardLayout();
  for (let i = 0; i < Math.max(count, previous ?? 0); i++) names.set(env.GATEWAY.idFromName(`gateway-${i}`).toString(), `gateway-${i}`);
  const conversationIds = Object.keys(snap.objects.conversation ?? {});
  if (conversationIds.length > 0) {
    const { results } = await env.DB.prepare("SELECT id FROM conversations").all<{ id: string }>();
    for (const { id } of results) names.set(env.CONVERSATION.idFromName(id).toString(), id);
  }
  for (const [kind, ofKind] of Object.entries(snap.objects)) {
    snap.objects[kind] = Object.fromEntries(Object.entries(ofKind).map(([hex, m]) => [names.get(hex) ?? hex, m]));
  }
  return snap;
}
