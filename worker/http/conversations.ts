import { Hono, type Context } from "hono";
import { addMembersBody } from "../../schema/groups";
import { type Message, conversationId as conversationIdSchema, createGroupBody, forwardBody, historyQuery, memberSettingsBody, openDirectBody, readBody, sendMessageBody } from "../../schema/protocol";
import { db } from "../db";
import type { AppEnv } from "../env";
import { ApiError } from "../lib/errors";
import { unwrap } from "../lib/result";
import { conversationObject } from "../lib/shards";
import { jsonBody, queryParams } from "./validate";
import { requireAuth } from "./middleware";
import * as service from "../services/conversations";

function idParam(raw: string): string {
  const r = conversationIdSchema.safeParse(raw);
  if (!r.success) throw new ApiError("not_found", "No such conversation");
  return r.data;
}

/** The conversation id of a route about one conversation, once D1 says the caller is a member. */
async function memberParam(c: Context<AppEnv>): Promise<string> {
  const id = idParam(c.req.param("id") ?? "");
  await service.requireMembership(db(c.env), c.get("auth").userId, id);
  return id;
}

function seqParam(raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new ApiError("invalid_request", "seq must be a positive integer");
  return n;
}

export const conversationRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get("/", async (c) => c.json({ conversations: await service.listConversations(db(c.env), c.get("auth").userId) }))
  .post("/", jsonBody(createGroupBody), async (c) => {
    const body = c.req.valid("json");
    return c.json(await service.createGroup(c.env, db(c.env), c.get("auth").userId, body.name, body.memberIds), 201);
  })
  .post("/direct", jsonBody(openDirectBody), async (c) => {
    const { summary, created } = await service.openDirect(c.env, db(c.env), c.get("auth").userId, c.req.valid("json").userId);
    return c.json(summary, created ? 201 : 200);
  })
  .get("/:id", async (c) => {
    const id = await memberParam(c);
    const userId = c.get("auth").userId;
    const info = unwrap(await conversationObject(c.env, id).info(userId));
    const summary = await service.getSummary(db(c.env), userId, id);
    return c.json({ ...summary, newMembersSeeHistory: info.meta.newMembersSeeHistory, members: info.members.map((m) => ({ userId: m.userId, role: m.role, joinedAt: m.joinedAt })) });
  })
  .patch("/:id/settings", jsonBody(memberSettingsBody), async (c) => {
    const id = idParam(c.req.param("id")); // D1 only: no object to protect
    await service.updateMemberSettings(db(c.env), c.get("auth").userId, id, c.req.valid("json"));
    return c.json(await service.getSummary(db(c.env), c.get("auth").userId, id));
  })
  .post("/:id/members", jsonBody(addMembersBody), async (c) => {
    const id = await memberParam(c);
    const { userIds } = c.req.valid("json");
    await service.requireUsers(db(c.env), [...new Set(userIds)]);
    const result = unwrap(await conversationObject(c.env, id).addMembers(c.get("auth").userId, userIds));
    return c.json(result);
  })
  .post("/:id/leave", async (c) => {
    const id = await memberParam(c);
    return c.json(unwrap(await conversationObject(c.env, id).leave(c.get("auth").userId)));
  })
  .get("/:id/messages", queryParams(historyQuery), async (c) => {
    const id = await memberParam(c);
    return c.json(unwrap(await conversationObject(c.env, id).history(c.get("auth").userId, c.req.valid("query"))));
  })
  .post("/:id/messages", jsonBody(sendMessageBody), async (c) => {
    const id = await memberParam(c);
    const ack = unwrap(await conversationObject(c.env, id).send(c.get("auth").userId, c.req.valid("json")));
    return c.json(ack, ack.duplicate ? 200 : 201);
  })
  .get("/:id/messages/:seq", async (c) => {
    const id = await memberParam(c);
    return c.json(unwrap(await conversationObject(c.env, id).getMessage(c.get("auth").userId, seqParam(c.req.param("seq")))));
  })
  .post("/:id/messages/:seq/recall", async (c) => {
    const id = await memberParam(c);
    return c.json(unwrap(await conversationObject(c.env, id).recall(c.get("auth").userId, seqParam(c.req.param("seq")))));
  })
  .post("/:id/messages/:seq/forward", jsonBody(forwardBody), async (c) => {
    const id = await memberParam(c);
    const userId = c.get("auth").userId;
    const { to, clientId } = c.req.valid("json");
    // The RPC stub's serialised type widens the body to unknown; it is the same Message.
    const source = unwrap(await conversationObject(c.env, id).getMessage(userId, seqParam(c.req.param("seq")))) as Message;
    // Each target checks membership (D1 first, then the object); a failure in one target does not undo the others.
    const results = await Promise.all(
      [...new Set(to)].map(async (target) => {
        try {
          await service.requireMembership(db(c.env), userId, target);
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          return { conversationId: target, ok: false as const, error: { code: e.code, message: e.message } };
        }
        const r = await conversationObject(c.env, target).receiveForward(userId, clientId, source);
        return r.ok ? { conversationId: target, ok: true as const, ack: r.value } : { conversationId: target, ok: false as const, error: { code: r.code, message: r.message } };
      }),
    );
    return c.json({ results });
  })
  .post("/:id/read", jsonBody(readBody), async (c) => {
    const id = await memberParam(c);
    return c.json(unwrap(await conversationObject(c.env, id).markRead(c.get("auth").userId, c.req.valid("json").seq)));
  })
  .get("/:id/receipts", async (c) => {
    const id = await memberParam(c);
    return c.json(unwrap(await conversationObject(c.env, id).receipts(c.get("auth").userId)));
  });
