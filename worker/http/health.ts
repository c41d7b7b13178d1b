import { Hono } from "hono";
import type { AppEnv } from "../env";
import { healthResponse } from "../../schema/api";
import { doc } from "./openapi";

export const health = new Hono<AppEnv>().get("/", doc({ summary: "Liveness with a database round trip", responses: { 200: healthResponse } }), async (c) => {
  const started = Date.now();
  await c.env.DB.prepare("select 1").first();
  return c.json({ status: "ok", environment: c.env.ENVIRONMENT, db: { ok: true, ms: Date.now() - started }, time: Date.now() });
});
