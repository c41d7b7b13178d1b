import { Hono } from "hono";
import type { AppEnv } from "../env";

export const health = new Hono<AppEnv>().get("/", async (c) => {
  const started = Date.now();
  await c.env.DB.prepare("select 1").first();
  return c.json({ status: "ok", environment: c.env.ENVIRONMENT, db: { ok: true, ms: Date.now() - started }, time: Date.now() });
});
