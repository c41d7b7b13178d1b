// The seeded world, the error contract and the state detectors shared by the generated
// bad-input campaign (fuzz-routes.test.ts, fuzz-frames.test.ts).
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { ERROR_STATUS } from "../../schema/errors";
import { conversationObject } from "../../worker/lib/shards";
import { faceToFaceObject } from "../../worker/face-to-face/object";
import { createGroup, makeUser, openDirect, sendText, type TestUser } from "./chat-helpers";
import { api } from "./helpers";
import { png, uploaded } from "./media-helpers";

/** Case counts, seed and filter come from the environment (see docs/reliability.md#bad-input). */
export const FUZZ = {
  /**
   * Cases across routes and frames. 100,000 is the full campaign (about 25 minutes on a quiet
   * 2-core machine); `npm test` runs 6,000, about 2½ minutes (docs/reliability.md#bad-input).
   */
  runs: Number(env.QUN_FUZZ_RUNS || 0) || 6_000,
  seed: Number(env.QUN_FUZZ_SEED || 0) || 20261130,
  /** Only routes (or frame kinds) whose name contains this. */
  only: env.QUN_FUZZ_ONLY || "",
};

/** Of QUN_FUZZ_RUNS, the routes take this share; the socket frames take the rest. */
export const ROUTE_SHARE = 0.85;

/** A stable 32-bit hash, to give each route its own seed derived from the campaign's. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

export interface World {
  owner: TestUser;
  member: TestUser;
  outsider: TestUser;
  asker: TestUser;
  group: string;
  direct: string;
  requestId: string;
  tag: string;
  inviteCode: string;
  joinRequestId: string;
  mediaId: string;
  roomId: string;
}

/**
 * One of everything a route can name: a group (owner, member; approval needed to join, one
 * pending join request), a direct chat, messages, a pending friend request from an outsider,
 * a tag, an invite, an uploaded picture and a face-to-face room.
 */
export async function seedWorld(): Promise<World> {
  const owner = await makeUser("owner");
  const member = await makeUser("member");
  const outsider = await makeUser("outsider");
  const asker = await makeUser("asker");
  const group = await createGroup(owner, [member], "Fuzzed");
  const direct = await openDirect(owner, member);
  await sendText(owner, group, "from the owner");
  await sendText(member, group, "from the member");
  await sendText(owner, direct, "hello");
  const ok = (what: string, res: { status: number; body: any }) => {
    if (res.status >= 300) throw new Error(`seeding ${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const requestId = ok("friend request", await api("POST", "/contacts/requests", { token: outsider.token, body: { userId: owner.id, greeting: "hi" } })).request.id as string;
  const tag = "fuzz";
  ok("tag", await api("POST", "/contacts/tags", { token: owner.token, body: { name: tag, userIds: [member.id] } }));
  ok("policy", await api("PATCH", `/groups/${group}`, { token: owner.token, body: { joinPolicy: "approval" } }));
  const inviteCode = ok("invite", await api("POST", `/groups/${group}/invites`, { token: owner.token, body: {} })).code as string;
  ok("join request", await api("POST", `/invites/${inviteCode}/accept`, { token: asker.token, body: { message: "let me in" } }));
  const joinRequestId = ok("join requests", await api("GET", `/groups/${group}/join-requests`, { token: owner.token })).requests[0].id as string;
  const mediaId = (await uploaded(owner, png())).id;
  const roomId = ok("room", await api("POST", "/face-to-face/rooms", { token: owner.token, body: { code: "4821", latitude: 39.9055, longitude: 116.3976 } })).roomId as string;
  return { owner, member, outsider, asker, group, direct, requestId, tag, inviteCode, joinRequestId, mediaId, roomId };
}

/** The error contract: never 5xx; a 4xx is JSON `{ error: { code, message } }` whose code has that status. */
export function contractViolation(status: number, contentType: string | null, text: string, opts: { htmlPage?: boolean; head?: boolean } = {}): string | null {
  if (status >= 500) return `${status} ${text.slice(0, 200)}`;
  if (status < 400) {
    if (!opts.head && contentType?.startsWith("application/json")) {
      try {
        JSON.parse(text);
      } catch {
        return `${status} with a body that says JSON but is not: ${text.slice(0, 80)}`;
      }
    }
    return null;
  }
  if (opts.head && text === "") return null; // HEAD answers carry no body to check
  if (opts.htmlPage && contentType?.startsWith("text/html")) return null;
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return `${status} with a non-JSON body: ${text.slice(0, 80)}`;
  }
  const code = body?.error?.code;
  if (typeof code !== "string" || typeof body.error.message !== "string") return `${status} without an error body: ${text.slice(0, 120)}`;
  if (!(code in ERROR_STATUS)) return `${status} with an unknown code ${code}`;
  if (ERROR_STATUS[code as keyof typeof ERROR_STATUS] !== status) return `${status} with code ${code}, which is ${ERROR_STATUS[code as keyof typeof ERROR_STATUS]}`;
  if (/\bat .+:\d+:\d+/.test(text)) return `${status} leaks a stack trace`;
  return null;
}

/**
 * Write detection in D1: a trigger on every table logs each insert, update and delete, so a
 * refused request that wrote anything (even a value equal to the old one) is caught. Rate-limit
 * windows are left out: counting refused attempts (wrong passwords) is their job.
 */
const UNLOGGED = new Set(["rate_limits", "fuzz_writes", "d1_migrations"]);

export async function installWriteLog(): Promise<void> {
  const tables = await env.DB.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%'").all<{ name: string }>();
  const stmts = [env.DB.prepare("create table if not exists fuzz_writes (tbl text not null, op text not null)")];
  for (const { name } of tables.results) {
    if (UNLOGGED.has(name)) continue;
    for (const op of ["insert", "update", "delete"]) {
      stmts.push(env.DB.prepare(`create trigger if not exists "fuzz_${name}_${op}" after ${op} on "${name}" begin insert into fuzz_writes values ('${name}', '${op}'); end`));
    }
  }
  await env.DB.batch(stmts);
}

/** The writes logged since the last call ("memberships insert ×2"), and forgets them. */
export async function takeWrites(): Promise<string[]> {
  const [logged] = await env.DB.batch<{ tbl: string; op: string; n: number }>([
    env.DB.prepare("select tbl, op, count(*) as n from fuzz_writes group by tbl, op"),
    env.DB.prepare("delete from fuzz_writes"),
  ]);
  return logged!.results.map((r) => `${r.tbl} ${r.op} ×${r.n}`);
}

/**
 * After an accepted request: waits until D1 has been quiet for `quietMs` (a conversation copies
 * its summary to D1 in a background flush after replying), so those writes are not charged to
 * the next case.
 */
export async function settleWrites(quietMs = 50, maxMs = 5000): Promise<void> {
  const deadline = Date.now() + maxMs;
  do await new Promise((r) => setTimeout(r, quietMs));
  while ((await takeWrites()).length > 0 && Date.now() < deadline);
}

/** Everything a Durable Object stores (SQL tables and key-value pairs), as one comparable string. */
export async function objectState(stub: DurableObjectStub): Promise<string> {
  return runInDurableObject(stub, async (_instance, state) => {
    const sql = state.storage.sql;
    const out: unknown[] = [];
    for (const { name } of sql.exec<{ name: string }>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%' order by name").toArray()) {
      out.push(name, sql.exec(`select * from "${name}"`).toArray());
    }
    out.push([...(await state.storage.list()).entries()]);
    return JSON.stringify(out);
  });
}

/** The objects the seeded world lives in: the group's and the direct chat's conversations, the face-to-face room. */
export const worldObjects = (w: World) => [conversationObject(env, w.group), conversationObject(env, w.direct), faceToFaceObject(env, w.roomId.slice(4, 8))];

export async function objectsState(w: World): Promise<string[]> {
  return Promise.all(worldObjects(w).map((stub) => objectState(stub)));
}

/** The bucket's keys and sizes: an upload refused after its bytes were stored would leave one. */
export async function bucketState(): Promise<string> {
  const listed = await env.MEDIA.list();
  return JSON.stringify(listed.objects.map((o) => [o.key, o.size]));
}

/** What the world's people see through the API's listings, and the bucket's keys. */
export async function visibleState(w: World): Promise<string> {
  const get = async (user: TestUser, path: string) => {
    const res = await SELF.fetch(`https://qun.test${path}`, { headers: { authorization: `Bearer ${user.token}` } });
    return `${path} ${res.status} ${await res.text()}`;
  };
  const seen = await Promise.all([
    get(w.owner, "/me"),
    get(w.owner, "/conversations"),
    get(w.owner, "/contacts"),
    get(w.owner, "/contacts/requests"),
    get(w.owner, "/contacts/tags"),
    get(w.owner, "/contacts/blocks"),
    get(w.owner, `/groups/${w.group}`),
    get(w.owner, `/groups/${w.group}/invites`),
    get(w.owner, `/groups/${w.group}/join-requests`),
    get(w.owner, `/conversations/${w.group}/messages`),
    get(w.owner, `/conversations/${w.direct}/messages`),
    get(w.owner, "/media"),
    get(w.member, "/conversations"),
    get(w.outsider, "/contacts/requests"),
    get(w.asker, "/conversations"),
  ]);
  seen.push(await bucketState());
  // Signed URLs and request ids differ per answer; everything else must not.
  return seen
    .join("\n")
    .replace(/"requestId":"[^"]*"/g, "")
    .replace(/[?&]e=\d+&s=[\w-]+/g, "");
}
