// /ops: moderation for operators (docs/moderation.md). The operator role comes from configuration
// only (OPERATOR_USER_IDS); every other signed-in user gets 403 forbidden from every route here.
// 403 rather than 404: the routes are listed in the public OpenAPI document anyway, and a clear
// "not an operator" saves an operator whose id is missing from the list a confusing search.
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import { conversationId, userId } from "../../schema/protocol";
import { flagList, opsDone, opsListQuery, opsLog, opsNoteBody, opsRemoveMessageBody, opsUserAction, opsUserList, reportList, reportView } from "../../schema/safety";
import type { AppEnv } from "../env";
import { ApiError } from "../lib/errors";
import * as moderation from "../services/moderation";
import { getReport, listReports } from "../services/reports";
import { requireAuth } from "./middleware";
import { doc } from "./openapi";
import { jsonBody, pathParams, queryParams } from "./validate";

const requireOperator = createMiddleware<AppEnv>(async (c, next) => {
  if (!moderation.isOperator(c.env, c.get("auth").userId)) throw new ApiError("forbidden", "Operators only");
  await next();
});

const reportParams = pathParams(z.object({ id: z.string().regex(/^rep_[0-9a-z]{20}$/) }), { id: "No such report" });
const flagParams = pathParams(z.object({ id: z.string().regex(/^flag_[0-9a-z]{20}$/) }), { id: "No such flag" });
const userActionParams = pathParams(z.object({ userId, action: opsUserAction }), { userId: "No such user", action: "No such action" });
const groupParams = pathParams(z.object({ id: conversationId }), { id: "No such group" });
const OPS = [403, 404] as const;
const see = "docs/moderation.md#operator-routes";

export const opsRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .use(requireOperator)
  .get("/reports", doc({ summary: "Reports (open by default)", responses: { 200: reportList }, errors: [...OPS], see }), queryParams(opsListQuery), async (c) =>
    c.json({ reports: await listReports(c.env, c.req.valid("query").status) }),
  )
  .get("/reports/:id", doc({ summary: "One report with its evidence", responses: { 200: reportView }, errors: [...OPS], see }), reportParams, async (c) =>
    c.json(await getReport(c.env, c.req.valid("param").id)),
  )
  .post("/reports/:id/resolve", doc({ summary: "Close a report", responses: { 200: opsDone }, errors: [...OPS], see }), jsonBody(opsNoteBody), reportParams, async (c) =>
    c.json({ ok: true as const, logId: await moderation.resolveReport(c.env, c.get("auth").userId, c.req.valid("param").id, c.req.valid("json").note) }),
  )
  .get("/flags", doc({ summary: "Content the checks flagged or refused (open by default)", responses: { 200: flagList }, errors: [...OPS], see }), queryParams(opsListQuery), async (c) =>
    c.json({ flags: await moderation.listFlags(c.env, c.req.valid("query").status) }),
  )
  .post("/flags/:id/resolve", doc({ summary: "Close a flag (the content may stay)", responses: { 200: opsDone }, errors: [...OPS], see }), jsonBody(opsNoteBody), flagParams, async (c) =>
    c.json({ ok: true as const, logId: await moderation.resolveFlag(c.env, c.get("auth").userId, c.req.valid("param").id, c.req.valid("json").note) }),
  )
  .post(
    "/messages/remove",
    doc({ summary: "Withdraw a message (everyone sees it removed for violating the rules; its media deleted)", responses: { 200: opsDone }, errors: [...OPS], see }),
    jsonBody(opsRemoveMessageBody),
    async (c) => {
      const b = c.req.valid("json");
      return c.json({ ok: true as const, logId: await moderation.removeMessage(c.env, c.get("auth").userId, b.conversationId, b.seq, b.note, "remove_message", b.reportId) });
    },
  )
  .get("/users", doc({ summary: "Suspended and banned accounts", responses: { 200: opsUserList }, errors: [...OPS], see }), async (c) => c.json({ users: await moderation.listSanctioned(c.env) }))
  .post(
    "/users/:userId/:action",
    doc({ summary: "Warn, suspend, ban or reinstate an account (suspend and ban sign it out everywhere)", responses: { 200: opsDone }, errors: [...OPS], see }),
    jsonBody(opsNoteBody),
    userActionParams,
    async (c) => {
      const operator = c.get("auth").userId;
      const { userId: target, action } = c.req.valid("param");
      const { note } = c.req.valid("json");
      if (target === operator && action !== "warn") throw new ApiError("invalid_request", "Operators cannot change their own account's standing");
      const logId =
        action === "warn"
          ? await moderation.warnAccount(c.env, operator, target, note)
          : action === "reinstate"
            ? await moderation.reinstateAccount(c.env, operator, target, note)
            : await moderation.suspendAccount(c.env, operator, target, action === "ban" ? "banned" : "suspended", note);
      return c.json({ ok: true as const, logId });
    },
  )
  .post("/groups/:id/dissolve", doc({ summary: "Dissolve a group", responses: { 200: opsDone }, errors: [...OPS, 410], see }), jsonBody(opsNoteBody), groupParams, async (c) =>
    c.json({ ok: true as const, logId: await moderation.dissolveGroup(c.env, c.get("auth").userId, c.req.valid("param").id, c.req.valid("json").note) }),
  )
  .get("/log", doc({ summary: "Every moderation action, newest first, with who did it", responses: { 200: opsLog }, errors: [...OPS], see }), async (c) =>
    c.json({ entries: await moderation.listLog(c.env) }),
  );
