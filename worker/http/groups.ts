// Group administration: /groups/:id is the group conversation's id (c_…). Every action is
// authorised by the conversation object against its member list and roles.
import { Hono, type Context } from "hono";
import { db } from "../db";
import { conversationId as conversationIdSchema, userId as userIdSchema } from "../../schema/protocol";
import { createInviteBody, groupNicknameBody, joinRequestId, joinRequestsQuery, muteBody, transferBody, updateGroupBody } from "../../schema/groups";
import type { AppEnv } from "../env";
import { ApiError } from "../lib/errors";
import { unwrap } from "../lib/result";
import { conversationObject } from "../lib/shards";
import { jsonBody, queryParams } from "./validate";
import { requireAuth } from "./middleware";
import { requireMembership } from "../services/conversations";
import { groupInfo } from "../services/groups";
import { createInvite, toInviteView } from "../services/invites";
import { inviteCode } from "../../schema/groups";
import { requireOwnImage } from "../services/media";

function param<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, raw: string, what: string): T {
  const r = schema.safeParse(raw);
  if (!r.success) throw new ApiError("not_found", `No such ${what}`);
  return r.data;
}
const groupId = (raw: string) => param(conversationIdSchema, raw, "group");
/** The group id of a route, once D1 says the caller is a member: guessed ids never reach an object. */
async function memberGroupId(c: Context<AppEnv>): Promise<string> {
  const id = groupId(c.req.param("id") ?? "");
  await requireMembership(db(c.env), c.get("auth").userId, id);
  return id;
}
const memberId = (raw: string) => param(userIdSchema, raw, "member");

export const groupRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get("/:id", async (c) => c.json(await groupInfo(c.env, c.get("auth").userId, await memberGroupId(c))))
  .patch("/:id", jsonBody(updateGroupBody), async (c) => {
    const id = await memberGroupId(c);
    const userId = c.get("auth").userId;
    const patch = c.req.valid("json");
    // A group avatar must be a picture the person setting it uploaded.
    if (patch.avatarMediaId) await requireOwnImage(c.env, userId, patch.avatarMediaId);
    unwrap(await conversationObject(c.env, id).updateGroup(userId, patch));
    return c.json(await groupInfo(c.env, userId, id));
  })
  .get("/:id/members", async (c) => c.json({ members: (await groupInfo(c.env, c.get("auth").userId, await memberGroupId(c))).members }))
  .patch("/:id/members/me", jsonBody(groupNicknameBody), async (c) => {
    const id = await memberGroupId(c);
    return c.json(unwrap(await conversationObject(c.env, id).setNickname(c.get("auth").userId, c.req.valid("json").nickname)));
  })
  .delete("/:id/members/:userId", async (c) => {
    const id = await memberGroupId(c);
    return c.json(unwrap(await conversationObject(c.env, id).removeMembers(c.get("auth").userId, [memberId(c.req.param("userId"))])));
  })
  .put("/:id/members/:userId/mute", jsonBody(muteBody), async (c) => {
    const id = await memberGroupId(c);
    const { durationSeconds } = c.req.valid("json");
    return c.json(unwrap(await conversationObject(c.env, id).muteMember(c.get("auth").userId, memberId(c.req.param("userId")), durationSeconds)));
  })
  .delete("/:id/members/:userId/mute", async (c) => {
    const id = await memberGroupId(c);
    return c.json(unwrap(await conversationObject(c.env, id).muteMember(c.get("auth").userId, memberId(c.req.param("userId")), 0)));
  })
  .put("/:id/admins/:userId", async (c) => {
    const id = await memberGroupId(c);
    return c.json(unwrap(await conversationObject(c.env, id).setAdmin(c.get("auth").userId, memberId(c.req.param("userId")), true)));
  })
  .delete("/:id/admins/:userId", async (c) => {
    const id = await memberGroupId(c);
    return c.json(unwrap(await conversationObject(c.env, id).setAdmin(c.get("auth").userId, memberId(c.req.param("userId")), false)));
  })
  .post("/:id/transfer", jsonBody(transferBody), async (c) => {
    const id = await memberGroupId(c);
    return c.json(unwrap(await conversationObject(c.env, id).transferOwnership(c.get("auth").userId, c.req.valid("json").userId)));
  })
  .post("/:id/dissolve", async (c) => {
    const id = await memberGroupId(c);
    return c.json(unwrap(await conversationObject(c.env, id).dissolve(c.get("auth").userId)));
  })
  .post("/:id/invites", jsonBody(createInviteBody), async (c) => {
    const id = await memberGroupId(c);
    return c.json(await createInvite(c.env, c.get("auth").userId, id, c.req.valid("json")), 201);
  })
  .get("/:id/invites", async (c) => {
    const id = await memberGroupId(c);
    const rows = unwrap(await conversationObject(c.env, id).listInvites(c.get("auth").userId));
    return c.json({ invites: rows.map((r) => toInviteView(c.env, r)) });
  })
  .delete("/:id/invites/:code", async (c) => {
    const id = await memberGroupId(c);
    const row = unwrap(await conversationObject(c.env, id).revokeInvite(c.get("auth").userId, param(inviteCode, c.req.param("code"), "invite")));
    return c.json(toInviteView(c.env, row));
  })
  .get("/:id/join-requests", queryParams(joinRequestsQuery), async (c) => {
    const id = await memberGroupId(c);
    const status = c.req.valid("query").status ?? "pending";
    return c.json({ requests: unwrap(await conversationObject(c.env, id).joinRequests(c.get("auth").userId, status)) });
  })
  .post("/:id/join-requests/:requestId/:decision{approve|decline}", async (c) => {
    const id = await memberGroupId(c);
    const requestId = param(joinRequestId, c.req.param("requestId"), "join request");
    return c.json(unwrap(await conversationObject(c.env, id).decideJoinRequest(c.get("auth").userId, requestId, c.req.param("decision") === "approve")));
  });
