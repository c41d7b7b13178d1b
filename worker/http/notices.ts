// Notices through WeChat subscribe messages (docs/notices.md): the caller's settings and bank,
// changing the settings, and reporting what wx.requestSubscribeMessage answered.
import { Hono } from "hono";
import { noticesResponse, subscriptionReport, updateNoticeSettingsBody } from "../../schema/notices";
import { db } from "../db";
import type { AppEnv } from "../env";
import * as notices from "../services/notices";
import { requireAuth } from "./middleware";
import { doc } from "./openapi";
import { jsonBody } from "./validate";

export const noticeRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get("/", doc({ summary: "Your notice settings, banked notices and the templates to ask for", responses: { 200: noticesResponse }, see: "docs/notices.md" }), async (c) =>
    c.json(await notices.notices(c.env, db(c.env), c.get("auth").userId)),
  )
  .patch(
    "/settings",
    doc({ summary: "Change your notice settings", responses: { 200: noticesResponse }, see: "docs/notices.md#settings-me--notifications" }),
    jsonBody(updateNoticeSettingsBody),
    async (c) => c.json(await notices.updateSettings(c.env, db(c.env), c.get("auth").userId, c.req.valid("json"))),
  )
  .post(
    "/subscriptions",
    doc({ summary: "Report what wx.requestSubscribeMessage answered", responses: { 200: noticesResponse }, errors: [503], see: "docs/notices.md#asking-the-mini-program" }),
    jsonBody(subscriptionReport),
    async (c) => c.json(await notices.reportSubscriptions(c.env, db(c.env), c.get("auth").userId, c.req.valid("json").results)),
  );
