// Search for the box at the top of Chats: contacts and group chats from D1, messages from the
// conversation objects. Each object searches its own index (conversation/search.ts); a search
// across chats asks the caller's objects, most recently active first, up to
// SEARCH_LIMITS.objectsAtOnce at a time, until it has a page of chats or the deadline passes, and hands back a cursor (the
// last chat it searched) for more. No index holds everyone's messages. See docs/search.md.
import { sql } from "drizzle-orm";
import { SEARCH_LIMITS as L } from "../../schema/limits";
import type { ChatSearchResult, ContactHit, GroupHit, MessagesSearchQuery, MessagesSearchResponse, SearchResponse } from "../../schema/search";
import { readSummaries } from "../data/summaries";
import type { Db } from "../db";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import type { Result } from "../lib/result";
import { conversationObject } from "../lib/shards";
import { listConversations } from "./conversations";

export async function searchAll(env: Env, d: Db, userId: string, q: string): Promise<SearchResponse> {
  const [contacts, groups, messages] = await Promise.all([searchContacts(d, userId, q), searchGroups(env, d, userId, q), searchMessages(env, userId, { q })]);
  return { contacts, groups, messages };
}

/** `%q%` for LIKE, with LIKE's own characters taken literally (ESCAPE '\'). */
const pattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Friends whose remark, name, Qun ID or one of the caller's tags for them contains `q`. */
export async function searchContacts(d: Db, userId: string, q: string): Promise<ContactHit[]> {
  const p = pattern(q);
  const rows = await d.all<{ userId: string; nickname: string; remark: string; username: string | null; avatarMediaId: string | null; tag: string | null }>(sql`
    select u.id as userId, u.nickname as nickname, f.remark as remark, u.username as username, u.avatar_media_id as avatarMediaId,
      (select value from json_each(f.tags) where value like ${p} escape '\\' limit 1) as tag
    from friendships f join users u on u.id = f.friend_id
    where f.user_id = ${userId} and u.deleted_at is null
      and (f.remark like ${p} escape '\\' or u.nickname like ${p} escape '\\' or u.username like ${p} escape '\\'
        or exists (select 1 from json_each(f.tags) where value like ${p} escape '\\'))
    order by (f.remark like ${p} escape '\\' or u.nickname like ${p} escape '\\') desc, coalesce(nullif(f.remark, ''), u.nickname)
    limit ${L.contactsMax}`);
  const has = (s: string | null) => s?.toLowerCase().includes(q.toLowerCase()) ?? false;
  return rows.map((r) => {
    const matched = has(r.remark) ? "remark" : has(r.nickname) ? "nickname" : has(r.username) ? "username" : "tag";
    return { userId: r.userId, nickname: r.nickname, remark: r.remark, username: r.username, avatarMediaId: r.avatarMediaId, matched, ...(matched === "tag" && r.tag ? { tag: r.tag } : {}) };
  });
}

/**
 * The caller's groups named like `q`, then those with a member (not the caller) named like it,
 * each most recently active first (activity from the summary shards: data/summaries.ts).
 */
export async function searchGroups(env: Env, d: Db, userId: string, q: string): Promise<GroupHit[]> {
  const p = pattern(q);
  const member = (col: string) => sql`(select ${sql.raw(col)} from memberships o join users u on u.id = o.user_id
    where o.conversation_id = c.id and o.user_id != ${userId} and (o.nickname like ${p} escape '\\' or u.nickname like ${p} escape '\\') limit 1)`;
  const found = await d.all<{ id: string; name: string; avatarMediaId: string | null; memberCount: number; byName: number; memberId: string | null; memberName: string | null; active: number }>(sql`
    select * from (
      select c.id as id, c.name as name, coalesce(c.avatar_media_id, c.grid_media_id) as avatarMediaId, c.member_count as memberCount,
        c.name like ${p} escape '\\' as byName, ${member("o.user_id")} as memberId, ${member("coalesce(nullif(o.nickname, ''), u.nickname)")} as memberName,
        coalesce(c.last_message_at, c.created_at) as active
      from memberships me join conversations c on c.id = me.conversation_id and c.kind = 'group'
      where me.user_id = ${userId})
    where byName or memberId is not null`);
  const { summaries } = await readSummaries(
    env,
    found.map((r) => ({ conversationId: r.id, userId })),
  );
  // D1's own column for a group its shard does not have yet (data/summaries.ts).
  const active = (r: (typeof found)[number]) => summaries.get(r.id)?.lastMessageAt ?? r.active;
  const rows = found.sort((a, b) => b.byName - a.byName || active(b) - active(a)).slice(0, L.groupsMax);
  return rows.map((r) => ({
    conversation: { id: r.id, kind: "group" as const, name: r.name, avatarMediaId: r.avatarMediaId },
    memberCount: r.memberCount,
    ...(r.byName ? {} : { member: { userId: r.memberId!, name: r.memberName ?? "" } }),
  }));
}

interface Cursor {
  at: number;
  id: string;
}

function readCursor(raw: string | undefined): Cursor | null {
  if (raw === undefined) return null;
  try {
    const c = JSON.parse(atob(raw.replace(/-/g, "+").replace(/_/g, "/"))) as Cursor;
    if (typeof c.at === "number" && typeof c.id === "string") return c;
  } catch {}
  throw new ApiError("invalid_request", "cursor: pass back the cursor of the previous page unchanged");
}

const writeCursor = (c: Cursor) => btoa(JSON.stringify(c)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** Messages across the caller's chats (or one, with conversationId), grouped by chat, most recently active chat first. */
export async function searchMessages(env: Env, userId: string, q: MessagesSearchQuery): Promise<MessagesSearchResponse> {
  const after = readCursor(q.cursor);
  const activity = (c: { lastMessageAt: number | null }) => c.lastMessageAt ?? 0;
  const chats = (await listConversations(env, userId, q.conversationId))
    .filter((c) => c.lastSeq > 0 && (q.since === undefined || activity(c) >= q.since))
    .sort((a, b) => activity(b) - activity(a) || (a.id < b.id ? 1 : -1))
    .filter((c) => !after || activity(c) < after.at || (activity(c) === after.at && c.id < after.id));
  const { cursor: _c, conversationId: _id, ...filters } = q;
  const found: (MessagesSearchResponse["chats"][number] | undefined)[] = [];
  const deadline = Date.now() + L.deadlineMs;
  let next = 0;
  let hits = 0;
  let answered = 0;
  let inFlight = 0;
  // How many objects to have in flight: as many as the page still needs at the hit rate seen so
  // far (a common word fills a page from about 20 chats; a rare one widens to objectsAtOnce).
  const wanted = () => Math.min(L.objectsAtOnce, Math.ceil(((L.chatsPerPage - hits) * (answered + 1)) / (hits + 1)));
  const ask = async (i: number) => {
    const c = chats[i]!;
    // The RPC stub's serialised type loses the union's narrowing; it is the same Result.
    const r = (await conversationObject(env, c.id).search(userId, { ...filters, limit: L.hitsPerChat })) as Result<ChatSearchResult>;
    answered++;
    // A chat left or dissolved since the listing answers with an error: it has nothing for the caller.
    if (!r.ok || !r.value.total) return;
    hits++;
    found[i] = { conversation: { id: c.id, kind: c.kind, name: c.name, avatarMediaId: c.avatarMediaId }, total: r.value.total, hits: r.value.hits };
  };
  await new Promise<void>((done, fail) => {
    const pump = () => {
      while (next < chats.length && hits < L.chatsPerPage && Date.now() < deadline && inFlight < wanted()) {
        inFlight++;
        ask(next++).then(() => {
          inFlight--;
          pump();
        }, fail);
      }
      if (inFlight === 0) done();
    };
    pump();
  });
  // Lanes in flight may have found more than a page: keep the first page's worth, in list order,
  // and go on after its last chat (the rest are asked again on the next page).
  let searched = next;
  const page: MessagesSearchResponse["chats"] = [];
  for (let i = 0; i < next; i++) {
    const f = found[i];
    if (!f) continue;
    page.push(f);
    if (page.length === L.chatsPerPage) {
      searched = i + 1;
      break;
    }
  }
  const last = chats[searched - 1];
  return {
    chats: page,
    cursor: searched < chats.length && last ? writeCursor({ at: activity(last), id: last.id }) : null,
    searched,
  };
}
