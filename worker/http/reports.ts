// POST /reports: a signed-in user reports a message, a user or a group (docs/moderation.md).
import { Hono } from "hono";
import { reportBody, reportCreated } from "../../schema/safety";
import type { AppEnv } from "../env";
import { createReport } from "../services/reports";
import { requireAuth } from "./middleware";
import { doc } from "./openapi";
import { jsonBody } from "./validate";

export const reportRoutes = new Hono<AppEnv>().use(requireAuth).post(
  "/",
  doc({
    summary: "Report a message (with the messages around it), a user or a group; the reported party is not told",
    responses: { 201: reportCreated },
    errors: [403, 404, 429],
    see: "docs/moderation.md#reports",
  }),
  jsonBody(reportBody),
  async (c) => c.json(await createReport(c.env, c.get("auth").userId, c.req.valid("json")), 201),
);
