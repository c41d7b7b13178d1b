// Group administration: /groups/:id is the group conversation's id (c_…). Every action is
// authorised by the conversation object against its member list and roles.
import { Hono, type Context } from "hono";
import { z } from "zod";
import { conversationId as conversationIdSchema, userId as userIdSchema } from "../../schema/protocol";
import { addMembersBody, createInviteBody, groupNicknameBody, joinRequestId, joinRequestsQuery, muteBody, transferBody, updateGroupBody } from "../../schema/groups";
import type { AppEnv } from "../env";
import { unwrap } from "../lib/result";
import { conversationObject } from "../lib/shards";
import { flagAll, screenTexts } from "../data/safety";
import { jsonBody, pathParams, queryParams } from "./validate";
import { requireAuth, requireMember } from "./middleware";
import { addMembers, groupInfo, leaveGroup } from "../services/groups";
import { createInvite, toInviteView } from "../services/invites";
import { inviteCode } from "../../schema/groups";
import { requireOwnImage } from "../services/media";
import {
  addMembersResponse,
  createdInvite,
  groupInfo as groupInfoSchema,
  inviteView,
  invitesResponse,
  joinRequestDecision,
  joinRequestsResponse,
  membersResponse,
  seqResponse,
} from "../../schema/groups";
import { doc } from "./openapi";

const NO_SUCH = { id: "No such group", userId: "No such member", code: "No such invite", requestId: "No such join request" } as const;
const groupParams = pathParams(z.object({ id: conversationIdSchema }), NO_SUCH);
const memberParams = pathParams(z.object({ id: conversationIdSchema, userId: userIdSchema }), NO_SUCH);
const inviteParams = pathParams(z.object({ id: conversationIdSchema, code: inviteCode }), NO_SUCH);
const decisionParams = pathParams(z.object({ id: conversationIdSchema, requestId: joinRequestId, decision: z.enum(["approve", "decline"]) }), NO_SUCH);

/** The group id of a route, once D1 says the caller is a member: guessed ids never reach an object. */
async function memberGroupId(c: Context<AppEnv>, id: string): Promise<string> {
  await requireMember(c, id);
  return id;
}

export const groupRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get("/:id", doc({ summary: "Group info", responses: { 200: groupInfoSchema }, errors: [403], see: "docs/groups.md" }), groupParams, async (c) =>
    c.json(await groupInfo(c.env, c.get("auth").userId, await memberGroupId(c, c.req.valid("param").id))),
  )
  .patch("/:id", doc({ summary: "Change the group (owner, admins)", responses: { 200: groupInfoSchema }, errors: [403, 410] }), jsonBody(updateGroupBody), groupParams, async (c) => {
    const id = await memberGroupId(c, c.req.valid("param").id);
    const userId = c.get("auth").userId;
    const patch = c.req.valid("json");
    // A group avatar must be a picture the person setting it uploaded.
    if (patch.avatarMediaId) await requireOwnImage(c.env, userId, patch.avatarMediaId);
    const review = await screenTexts(c.env, userId, [
      { kind: "group_name", text: patch.name, conversationId: id },
      { kind: "announcement", text: patch.announcement, conversationId: id },
    ]);
    unwrap(await conversationObject(c.env, id).updateGroup(userId, patch));
    await flagAll(c.env, review);
    return c.json(await groupInfo(c.env, userId, id));
  })
  .get("/:id/members", doc({ summary: "Members: owner, admins, members, each by joining time", responses: { 200: membersResponse }, errors: [403] }), groupParams, async (c) =>
    c.json({ members: (await groupInfo(c.env, c.get("auth").userId, await memberGroupId(c, c.req.valid("param").id))).members }),
  )
  .post(
    "/:id/members",
    doc({
      summary: "Add your friends to the group (under invite confirmation, a member's additions become join requests)",
      responses: { 200: addMembersResponse },
      errors: [403, 409, 410],
      see: "docs/groups.md#who-can-be-put-in-a-group",
    }),
    jsonBody(addMembersBody),
    groupParams,
    async (c) => {
      const id = await memberGroupId(c, c.req.valid("param").id);
      return c.json(await addMembers(c.env, c.get("auth").userId, id, c.req.valid("json").userIds));
    },
  )
  .post("/:id/leave", doc({ summary: "Leave the group (the owner hands over first)", responses: { 200: seqResponse }, errors: [403] }), groupParams, async (c) => {
    const id = await memberGroupId(c, c.req.valid("param").id);
    return c.json(await leaveGroup(c.env, c.get("auth").userId, id));
  })
  .patch("/:id/members/me", doc({ summary: "Your nickname in this group", responses: { 200: seqResponse }, errors: [403, 410] }), jsonBody(groupNicknameBody), groupParams, async (c) => {
    const id = await memberGroupId(c, c.req.valid("param").id);
    const { nickname } = c.req.valid("json");
    const review = await screenTexts(c.env, c.get("auth").userId, [{ kind: "group_nickname", text: nickname, conversationId: id }]);
    const done = unwrap(await conversationObject(c.env, id).setNickname(c.get("auth").userId, nickname));
    await flagAll(c.env, review);
    return c.json(done);
  })
  .delete("/:id/members/:userId", doc({ summary: "Remove a member", responses: { 200: z.object({ removed: z.array(z.string()), seq: z.number() }) }, errors: [403, 410] }), memberParams, async (c) => {
    const id = await memberGroupId(c, c.req.valid("param").id);
    return c.json(unwrap(await conversationObject(c.env, id).removeMembers(c.get("auth").userId, [c.req.valid("param").userId])));
  })
  .put(
    "/:id/members/:userId/mute",
    doc({ summary: "Mute a member", responses: { 200: z.object({ mutedUntil: z.number().nullable(), seq: z.number() }) }, errors: [403, 410] }),
    jsonBody(muteBody),
    memberParams,
    async (c) => {
      const id = await memberGroupId(c, c.req.valid("param").id);
      const { durationSeconds } = c.req.valid("json");
      return c.json(unwrap(await conversationObject(c.env, id).muteMember(c.get("auth").userId, c.req.valid("param").userId, durationSeconds)));
    },
  )
  .delete(
    "/:id/members/:userId/mute",
    doc({ summary: "Lift a member's mute", responses: { 200: z.object({ mutedUntil: z.number().nullable(), seq: z.number() }) }, errors: [403, 410] }),
    memberParams,
    async (c) => {
      const id = await memberGroupId(c, c.req.valid("param").id);
      return c.json(unwrap(await conversationObject(c.env, id).muteMember(c.get("auth").userId, c.req.valid("param").userId, 0)));
    },
  )
  .put("/:id/admins/:userId", doc({ summary: "Make an admin (owner)", responses: { 200: seqResponse }, errors: [403, 410] }), memberParams, async (c) => {
    const id = await memberGroupId(c, c.req.valid("param").id);
    return c.json(unwrap(await conversationObject(c.env, id).setAdmin(c.get("auth").userId, c.req.valid("param").userId, true)));
  })
  .delete("/:id/admins/:userId", doc({ summary: "Unmake an admin (owner)", responses: { 200: seqResponse }, errors: [403, 410] }), memberParams, async (c) => {
    const id = await memberGroupId(c, c.req.valid("param").id);
    return c.json(unwrap(await conversationObject(c.env, id).setAdmin(c.get("auth").userId, c.req.valid("param").userId, false)));
  })
  .post("/:id/transfer", doc({ summary: "Hand the group over (owner)", responses: { 200: z.object({ seq: z.number() }) }, errors: [403, 410] }), jsonBody(transferBody), groupParams, async (c) => {
    const id = await memberGroupId(c, c.req.valid("param").id);
    return c.json(unwrap(await conversationObject(c.env, id).transferOwnership(c.get("auth").userId, c.req.valid("json").userId)));
  })
  .post("/:id/dissolve", doc({ summary: "Dissolve the group (owner)", responses: { 200: z.object({ seq: z.number() }) }, errors: [403, 410] }), groupParams, async (c) => {
    const id = await memberGroupId(c, c.req.valid("param").id);
    return c.json(unwrap(await conversationObject(c.env, id).dissolve(c.get("auth").userId)));
  })
  .post(
    "/:id/invites",
    doc({ summary: "Make an invite (QR code)", responses: { 201: createdInvite }, errors: [403, 410], see: "docs/groups.md#invites-qr-codes" }),
    jsonBody(createInviteBody),
    groupParams,
    async (c) => {
      const id = await memberGroupId(c, c.req.valid("param").id);
      return c.json(await createInvite(c.env, c.get("auth").userId, id, c.req.valid("json")), 201);
    },
  )
  .get("/:id/invites", doc({ summary: "Usable invites, newest first (a member: their own)", responses: { 200: invitesResponse }, errors: [403] }), groupParams, async (c) => {
    const id = await memberGroupId(c, c.req.valid("param").id);
    const rows = unwrap(await conversationObject(c.env, id).listInvites(c.get("auth").userId));
    return c.json({ invites: rows.map((r) => toInviteView(c.env, r)) });
  })
  .delete("/:id/invites/:code", doc({ summary: "Revoke an invite", responses: { 200: inviteView }, errors: [403] }), inviteParams, async (c) => {
    const id = await memberGroupId(c, c.req.valid("param").id);
    const row = unwrap(await conversationObject(c.env, id).revokeInvite(c.get("auth").userId, c.req.valid("param").code));
    return c.json(toInviteView(c.env, row));
  })
  .get("/:id/join-requests", doc({ summary: "Join requests, oldest first", responses: { 200: joinRequestsResponse }, errors: [403] }), queryParams(joinRequestsQuery), groupParams, async (c) => {
    const id = await memberGroupId(c, c.req.valid("param").id);
    const status = c.req.valid("query").status ?? "pending";
    return c.json({ requests: unwrap(await conversationObject(c.env, id).joinRequests(c.get("auth").userId, status)) });
  })
  .post(
    "/:id/join-requests/:requestId/:decision{approve|decline}",
    doc({ summary: "Approve or decline a join request", responses: { 200: joinRequestDecision }, errors: [403, 409, 410] }),
    decisionParams,
    async (c) => {
      const id = await memberGroupId(c, c.req.valid("param").id);
      const { requestId, decision } = c.req.valid("param");
      return c.json(unwrap(await conversationObject(c.env, id).decideJoinRequest(c.get("auth").userId, requestId, decision === "approve")));
    },
  );
