// Roles, action by action: owner > admin > member, and outsiders get nothing. Each cell of the
// matrix runs against a fresh group; a refusal is 403 forbidden and leaves D1 and the log as
// they were.
import { describe, expect, it } from "vitest";
import { call, conversationRow, rankedGroup, type Ranked } from "./group-helpers";
import { befriend, makeUser, sendText, type TestUser } from "./chat-helpers";
import { rows, type ApiResult } from "./helpers";
import { png, uploaded } from "./media-helpers";

type Who = "owner" | "admin" | "member" | "outsider";
type Group = Ranked & { target: TestUser };

interface Action {
  /** Completes "lets the owner …" / "refuses a member who tries to …". */
  does: string;
  allowed: Who[];
  /** Who is tried (all four unless the action aims at one of them). */
  tried?: Who[];
  setup?: (g: Group) => Promise<unknown>;
  run: (g: Group, actor: TestUser) => Promise<ApiResult>;
}

const managers: Who[] = ["owner", "admin"];
const everyone: Who[] = ["owner", "admin", "member"];

async function pendingRequest(g: Group) {
  await call(g.owner, "PATCH", `/groups/${g.id}`, { inviteConfirmation: true });
  const asker = await makeUser("asker");
  await befriend(g.member, asker);
  await call(g.member, "POST", `/conversations/${g.id}/members`, { userIds: [asker.id] });
  const listed = await call(g.owner, "GET", `/groups/${g.id}/join-requests`);
  return (listed.body.requests as { id: string }[])[0]!.id;
}
const requestIds = new WeakMap<Group, string>();
const messageSeqs = new WeakMap<Group, number>();

const actions: Action[] = [
  { does: "rename the group", allowed: managers, run: (g, a) => call(a, "PATCH", `/groups/${g.id}`, { name: "Renamed" }) },
  { does: "change the group avatar", allowed: managers, run: async (g, a) => call(a, "PATCH", `/groups/${g.id}`, { avatarMediaId: (await uploaded(a, png())).id }) },
  { does: "post an announcement", allowed: managers, run: (g, a) => call(a, "PATCH", `/groups/${g.id}`, { announcement: "Hello all" }) },
  { does: "change the join policy", allowed: managers, run: (g, a) => call(a, "PATCH", `/groups/${g.id}`, { joinPolicy: "approval" }) },
  { does: "turn on invite confirmation", allowed: managers, run: (g, a) => call(a, "PATCH", `/groups/${g.id}`, { inviteConfirmation: true }) },
  { does: "mute everyone", allowed: managers, run: (g, a) => call(a, "PATCH", `/groups/${g.id}`, { muteAll: true }) },
  { does: "see the member list", allowed: everyone, run: (g, a) => call(a, "GET", `/groups/${g.id}/members`) },
  { does: "set their own group nickname", allowed: everyone, run: (g, a) => call(a, "PATCH", `/groups/${g.id}/members/me`, { nickname: "Me here" }) },
  { does: "read the history", allowed: everyone, run: (g, a) => call(a, "GET", `/conversations/${g.id}/messages`) },
  { does: "send a message", allowed: everyone, run: (g, a) => sendText(a, g.id, "hi") },
  {
    does: "add people",
    allowed: everyone,
    run: async (g, a) => {
      const newcomer = await makeUser("newcomer");
      await befriend(a, newcomer); // only friends can be added
      return call(a, "POST", `/conversations/${g.id}/members`, { userIds: [newcomer.id] });
    },
  },
  { does: "create an invite", allowed: everyone, run: (g, a) => call(a, "POST", `/groups/${g.id}/invites`, {}) },
  { does: "list join requests", allowed: managers, run: (g, a) => call(a, "GET", `/groups/${g.id}/join-requests`) },
  {
    does: "approve a join request",
    allowed: managers,
    setup: async (g) => requestIds.set(g, await pendingRequest(g)),
    run: (g, a) => call(a, "POST", `/groups/${g.id}/join-requests/${requestIds.get(g)}/approve`),
  },
  {
    does: "decline a join request",
    allowed: managers,
    setup: async (g) => requestIds.set(g, await pendingRequest(g)),
    run: (g, a) => call(a, "POST", `/groups/${g.id}/join-requests/${requestIds.get(g)}/decline`),
  },
  { does: "remove a member", allowed: managers, tried: ["owner", "admin", "member", "outsider"], run: (g, a) => call(a, "DELETE", `/groups/${g.id}/members/${g.target.id}`) },
  {
    does: "remove an admin",
    allowed: ["owner"],
    setup: (g) => call(g.owner, "PUT", `/groups/${g.id}/admins/${g.target.id}`),
    run: (g, a) => call(a, "DELETE", `/groups/${g.id}/members/${g.target.id}`),
  },
  { does: "remove the owner", allowed: [], tried: ["admin", "member", "outsider"], run: (g, a) => call(a, "DELETE", `/groups/${g.id}/members/${g.owner.id}`) },
  { does: "mute a member", allowed: managers, run: (g, a) => call(a, "PUT", `/groups/${g.id}/members/${g.target.id}/mute`, { durationSeconds: 600 }) },
  {
    does: "mute an admin",
    allowed: ["owner"],
    setup: (g) => call(g.owner, "PUT", `/groups/${g.id}/admins/${g.target.id}`),
    run: (g, a) => call(a, "PUT", `/groups/${g.id}/members/${g.target.id}/mute`, { durationSeconds: 600 }),
  },
  { does: "mute the owner", allowed: [], tried: ["admin", "member", "outsider"], run: (g, a) => call(a, "PUT", `/groups/${g.id}/members/${g.owner.id}/mute`, { durationSeconds: 600 }) },
  { does: "make a member an admin", allowed: ["owner"], run: (g, a) => call(a, "PUT", `/groups/${g.id}/admins/${g.target.id}`) },
  {
    does: "take an admin's role away",
    allowed: ["owner"],
    setup: (g) => call(g.owner, "PUT", `/groups/${g.id}/admins/${g.target.id}`),
    run: (g, a) => call(a, "DELETE", `/groups/${g.id}/admins/${g.target.id}`),
  },
  { does: "transfer ownership", allowed: ["owner"], run: (g, a) => call(a, "POST", `/groups/${g.id}/transfer`, { userId: g.target.id }) },
  { does: "dissolve the group", allowed: ["owner"], run: (g, a) => call(a, "POST", `/groups/${g.id}/dissolve`) },
  {
    does: "recall a member's message",
    allowed: managers,
    setup: async (g) => messageSeqs.set(g, (await sendText(g.target, g.id, "oops")).body.seq),
    run: (g, a) => call(a, "POST", `/conversations/${g.id}/messages/${messageSeqs.get(g)}/recall`),
  },
  { does: "mention everyone", allowed: managers, run: (g, a) => sendText(a, g.id, "all of you", { mentionAll: true }) },
];

/** What a refused action must leave untouched. */
async function snapshot(g: Group) {
  const group = await conversationRow(g.id);
  const { last_seq: _a, last_message_at: _b, last_preview: _c, ...settings } = group!; // written in the background
  return {
    settings,
    members: await rows("select user_id, role, nickname, muted_until from memberships where conversation_id = ? order by user_id", g.id),
    invites: await rows("select code, revoked_at from invites order by code"),
    requests: await rows("select id, status from join_requests order by id"),
    lastSeq: (await call(g.owner, "GET", `/conversations/${g.id}/messages?limit=1`)).body.lastSeq,
  };
}

const label: Record<Who, string> = { owner: "the owner", admin: "an admin", member: "a member", outsider: "an outsider" };

describe("roles, action by action", () => {
  for (const action of actions) {
    describe(action.does, () => {
      for (const who of action.tried ?? (["owner", "admin", "member", "outsider"] as Who[])) {
        const allowed = action.allowed.includes(who);
        it(allowed ? `lets ${label[who]} ${action.does}` : `refuses ${label[who]} who tries to ${action.does}, changing nothing`, async () => {
          const ranked = await rankedGroup(1);
          const g: Group = { ...ranked, target: ranked.others[0]! };
          await action.setup?.(g);
          const before = allowed ? null : await snapshot(g);
          const res = await action.run(g, g[who]);
          if (allowed) {
            expect([200, 201, 202], JSON.stringify(res.body)).toContain(res.status);
          } else {
            expect(res.status, JSON.stringify(res.body)).toBe(403);
            expect(res.body.error.code).toBe("forbidden");
            expect(await snapshot(g)).toEqual(before);
          }
        });
      }
    });
  }
});
