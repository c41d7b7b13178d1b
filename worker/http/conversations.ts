import { Hono, type Context } from "hono";
import { z } from "zod";
import type { CompactHistoryPage } from "../../schema/compact-history";
import type { HistoryPage } from "../../schema/protocol";
import { addMembersBody } from "../../schema/groups";
import {
  type Message,
  type ServerFrame,
  conversationId as conversationIdSchema,
  createGroupBody,
  forwardBody,
  historyQuery,
  memberSettingsBody,
  clearChatBody,
  openDirectBody,
  readBody,
  sendMessageBody,
} from "../../schema/protocol";
import { db } from "../db";
import type { AppEnv } from "../env";
import { ApiError } from "../lib/errors";
import { unwrap } from "../lib/result";
import { conversationObject, pushToUser } from "../lib/shards";
import { flagAll, screenTexts } from "../data/safety";
import { jsonBody, pathParams, queryParams } from "./validate";
import { requireAuth, requireMember } from "./middleware";
import * as service from "../services/conversations";
import { addMembers, leaveGroup } from "../services/groups";
import { ackBody, conversationDetail, conversationSummaryBody, conversationsList, forwardResults, historyPageAnswer, messageBody, readResponse, receiptsResponse } from "../../schema/api";
import { addMembersResponse, seqResponse } from "../../schema/groups";
import { doc } from "./openapi";

const NO_CONVERSATION = { id: "No such conversation" } as const;
const GRIDS_ASKED_PER_LIST = 20;
const idParams = pathParams(z.object({ id: conversationIdSchema }), NO_CONVERSATION);
const seqParams = pathParams(z.object({ id: conversationIdSchema, seq: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }), NO_CONVERSATION);

/** The conversation id of a route about one conversation, once D1 says the caller is a member. */
async function memberParam(c: Context<AppEnv>, id: string): Promise<string> {
  await requireMember(c, id);
  return id;
}

/** A frame for the caller's own devices (best-effort: a device that misses it reads the same from its next list). */
async function pushToOwnDevices(c: Context<AppEnv>, userId: string, frame: ServerFrame) {
  await pushToUser(c.env, userId, [JSON.stringify(frame)]).catch(() => undefined);
}

async function markUnread(c: Context<AppEnv>, conversationId: string, on: boolean) {
  const id = await memberParam(c, conversationId);
  unwrap(await conversationObject(c.env, id).markUnread(c.get("auth").userId, on));
  return service.getSummary(c.env, c.get("auth").userId, id);
}

export const conversationRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get("/", doc({ summary: "Your conversations, pinned first, then by last activity", responses: { 200: conversationsList }, see: "docs/protocol.md#conversations" }), async (c) => {
    const conversations = await service.listConversations(c.env, c.get("auth").userId);
    // Groups made before grid avatars have none yet: the first listing asks for it (a few at a time).
    const gridless = conversations.filter((s) => s.kind === "group" && s.avatarMediaId === null && !s.dissolved).slice(0, GRIDS_ASKED_PER_LIST);
    if (gridless.length > 0) c.executionCtx.waitUntil(Promise.allSettled(gridless.map((s) => conversationObject(c.env, s.id).ensureGrid())));
    return c.json({ conversations });
  })
  .post(
    "/",
    doc({ summary: "Create a group with your friends", responses: { 201: conversationSummaryBody }, errors: [403, 409], see: "docs/protocol.md#conversations" }),
    jsonBody(createGroupBody),
    async (c) => {
      const body = c.req.valid("json");
      const review = await screenTexts(c.env, c.get("auth").userId, [{ kind: "group_name", text: body.name }]);
      const created = await service.createGroup(c.env, db(c.env), c.get("auth").userId, body.name, body.memberIds);
      await flagAll(
        c.env,
        review.map((f) => ({ ...f, conversationId: created.id })),
      );
      return c.json(created, 201);
    },
  )
  .post(
    "/direct",
    doc({ summary: "Open the direct chat with someone", responses: { 200: conversationSummaryBody, 201: conversationSummaryBody }, errors: [403, 404, 410], see: "docs/protocol.md#conversations" }),
    jsonBody(openDirectBody),
    async (c) => {
      const { summary, created } = await service.openDirect(c.env, db(c.env), c.get("auth").userId, c.req.valid("json").userId);
      return c.json(summary, created ? 201 : 200);
    },
  )
  .get("/:id", doc({ summary: "One conversation, with its members", responses: { 200: conversationDetail }, errors: [403] }), idParams, async (c) => {
    const id = await memberParam(c, c.req.valid("param").id);
    const userId = c.get("auth").userId;
    const info = unwrap(await conversationObject(c.env, id).info(userId));
    const summary = await service.getSummary(c.env, userId, id);
    return c.json({ ...summary, newMembersSeeHistory: info.meta.newMembersSeeHistory, members: info.members.map((m) => ({ userId: m.userId, role: m.role, joinedAt: m.joinedAt })) });
  })
  .patch(
    "/:id/settings",
    doc({ summary: "Your pinned / do-not-disturb flags", responses: { 200: conversationSummaryBody }, errors: [403], see: "docs/protocol.md#the-chats-list-on-every-device" }),
    jsonBody(memberSettingsBody),
    idParams,
    async (c) => {
      const id = c.req.valid("param").id; // D1 only: no object to protect
      const userId = c.get("auth").userId;
      await service.updateMemberSettings(db(c.env), userId, id, c.req.valid("json"));
      const summary = await service.getSummary(c.env, userId, id);
      // The user's other devices move the chat (pinned) or change its badge (muted) at once.
      await pushToOwnDevices(c, userId, { type: "conversation", conversationId: id, changes: { pinned: summary.pinned, doNotDisturb: summary.doNotDisturb } });
      return c.json(summary);
    },
  )
  // WeChat's long-press "删除该聊天": gone from the caller's list and history, theirs only.
  .post(
    "/:id/clear",
    doc({
      summary: "Delete the chat for yourself: its messages up to seq leave your history and the chat your list, until a newer message",
      responses: { 200: conversationSummaryBody },
      errors: [403],
      see: "docs/protocol.md#delete-chat",
    }),
    jsonBody(clearChatBody),
    idParams,
    async (c) => {
      const id = await memberParam(c, c.req.valid("param").id);
      const userId = c.get("auth").userId;
      const { clearedSeq } = unwrap(await conversationObject(c.env, id).clearChat(userId, c.req.valid("json").seq));
      const summary = await service.getSummary(c.env, userId, id);
      await pushToOwnDevices(c, userId, { type: "conversation", conversationId: id, changes: { clearedSeq, readSeq: summary.readSeq, unread: summary.unread, markedUnread: false } });
      return c.json(summary);
    },
  )
  // Aliases of POST /groups/:id/members and /groups/:id/leave, where group operations live:
  // mini-program versions released before the move call these until WeChat updates them.
  .post(
    "/:id/members",
    doc({ summary: "Deprecated alias of POST /groups/:id/members", responses: { 200: addMembersResponse }, errors: [403, 409, 410], see: "docs/groups.md#who-can-be-put-in-a-group" }),
    jsonBody(addMembersBody),
    idParams,
    async (c) => {
      const id = await memberParam(c, c.req.valid("param").id);
      return c.json(await addMembers(c.env, c.get("auth").userId, id, c.req.valid("json").userIds));
    },
  )
  .post("/:id/leave", doc({ summary: "Deprecated alias of POST /groups/:id/leave", responses: { 200: seqResponse }, errors: [403] }), idParams, async (c) => {
    const id = await memberParam(c, c.req.valid("param").id);
    return c.json(await leaveGroup(c.env, c.get("auth").userId, id));
  })
  .get(
    "/:id/messages",
    doc({
      summary: "A page of history (after= forward, before= backward; ascending); format=compact for the compact page",
      responses: { 200: historyPageAnswer },
      errors: [403],
      see: "docs/api.md#compact-history",
    }),
    queryParams(historyQuery),
    idParams,
    async (c) => {
      const id = await memberParam(c, c.req.valid("param").id);
      const q = c.req.valid("query");
      // A catch-up is many full pages: compressed when the client accepts it (the runtime gzips
      // a body whose Content-Encoding says so). Small pages are not worth the work.
      const gzip = (count: number): Record<string, string> => (count >= 20 && /\bgzip\b/.test(c.req.header("accept-encoding") ?? "") ? { "content-encoding": "gzip", vary: "accept-encoding" } : {});
      if (q.format === "compact" && q.around === undefined) {
        // The mini-program's catch-up: the object answers the page as JSON text, sent as it is.
        const page = unwrap(await conversationObject(c.env, id).compactHistory(c.get("auth").userId, q));
        return c.body(page.json, 200, { "content-type": "application/json", ...gzip(page.count) });
      }
      const page = unwrap<HistoryPage | CompactHistoryPage>(await conversationObject(c.env, id).history(c.get("auth").userId, q));
      return c.json(page, 200, gzip(page.messages.length));
    },
  )
  .post(
    "/:id/messages",
    doc({ summary: "Send a message", responses: { 201: ackBody, 200: ackBody }, errors: [403, 409, 410, 429], see: "docs/protocol.md#sending" }),
    jsonBody(sendMessageBody),
    idParams,
    async (c) => {
      const id = await memberParam(c, c.req.valid("param").id);
      const ack = unwrap(await conversationObject(c.env, id).send(c.get("auth").userId, c.req.valid("json")));
      return c.json(ack, ack.duplicate ? 200 : 201);
    },
  )
  .get("/:id/messages/:seq", doc({ summary: "One message", responses: { 200: messageBody }, errors: [403] }), seqParams, async (c) => {
    const id = await memberParam(c, c.req.valid("param").id);
    return c.json(unwrap(await conversationObject(c.env, id).getMessage(c.get("auth").userId, c.req.valid("param").seq)));
  })
  .post("/:id/messages/:seq/recall", doc({ summary: "Recall a message", responses: { 200: seqResponse }, errors: [403, 409, 410] }), seqParams, async (c) => {
    const id = await memberParam(c, c.req.valid("param").id);
    return c.json(unwrap(await conversationObject(c.env, id).recall(c.get("auth").userId, c.req.valid("param").seq)));
  })
  .post(
    "/:id/messages/:seq/hide",
    doc({ summary: "Delete a message for yourself: left out of your history on every device", responses: { 200: seqResponse }, errors: [403, 404], see: "docs/api.md#delete-for-me" }),
    seqParams,
    async (c) => {
      const id = await memberParam(c, c.req.valid("param").id);
      const userId = c.get("auth").userId;
      const { seq } = unwrap(await conversationObject(c.env, id).hide(userId, c.req.valid("param").seq));
      // The user's other devices drop it now; one that is offline stops getting it from history.
      const frame: ServerFrame = { type: "hidden", conversationId: id, seqs: [seq] };
      await pushToUser(c.env, userId, [JSON.stringify(frame)]).catch(() => undefined);
      return c.json({ seq });
    },
  )
  .post("/:id/messages/:seq/forward", doc({ summary: "Forward a message to other conversations", responses: { 200: forwardResults }, errors: [403] }), jsonBody(forwardBody), seqParams, async (c) => {
    const id = await memberParam(c, c.req.valid("param").id);
    const userId = c.get("auth").userId;
    const { to, clientId } = c.req.valid("json");
    // The RPC stub's serialised type widens the body to unknown; it is the same Message.
    const source = unwrap(await conversationObject(c.env, id).getMessage(userId, c.req.valid("param").seq)) as Message;
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
  .post("/:id/read", doc({ summary: "Move your read seq forward", responses: { 200: readResponse }, errors: [403] }), jsonBody(readBody), idParams, async (c) => {
    const id = await memberParam(c, c.req.valid("param").id);
    return c.json(unwrap(await conversationObject(c.env, id).markRead(c.get("auth").userId, c.req.valid("json").seq)));
  })
  // WeChat's long-press "标为未读": a dot on the caller's chat until they read anything there.
  .put(
    "/:id/unread",
    doc({ summary: "Mark the chat as unread (yours only, on every device)", responses: { 200: conversationSummaryBody }, errors: [403], see: "docs/protocol.md#mark-as-unread" }),
    idParams,
    async (c) => c.json(await markUnread(c, c.req.valid("param").id, true)),
  )
  .delete(
    "/:id/unread",
    doc({ summary: "Take the unread mark off the chat", responses: { 200: conversationSummaryBody }, errors: [403], see: "docs/protocol.md#mark-as-unread" }),
    idParams,
    async (c) => c.json(await markUnread(c, c.req.valid("param").id, false)),
  )
  .get("/:id/receipts", doc({ summary: "Everyone's read seq", responses: { 200: receiptsResponse }, errors: [403] }), idParams, async (c) => {
    const id = await memberParam(c, c.req.valid("param").id);
    return c.json(unwrap(await conversationObject(c.env, id).receipts(c.get("auth").userId)));
  });
