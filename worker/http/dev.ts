// Routes for local development and the benchmark only: signed-in callers get 404 unless
// ENVIRONMENT is "development" (never in production, where wrangler.toml's default is "production").
import { Hono } from "hono";
import { z } from "zod";
import { conversationId } from "../../schema/protocol";
import { d1Meter } from "../data/d1-meter";
import { db } from "../db";
import { type AppEnv, isDevelopment } from "../env";
import { ApiError } from "../lib/errors";
import { unwrap } from "../lib/result";
import { conversationObject } from "../lib/shards";
import { requireMembership } from "../services/conversations";
import { seedMomentFriends } from "../services/moments-seed";
import { requireAuth } from "./middleware";
import { doc } from "./openapi";
import { jsonBody, pathParams } from "./validate";

const seedBody = z.strictObject({
  messages: z
    .array(z.strictObject({ text: z.string().min(1).max(2000), at: z.number().int().min(0) }))
    .min(1)
    .max(500),
});

const momentsSeedBody = z.strictObject({
  friends: z.number().int().min(1).max(10_000),
  postsPerFriend: z.number().int().min(0).max(10),
  tag: z.string().min(1).max(20),
});

export const devRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .use(async (c, next) => {
    if (!isDevelopment(c.env)) throw new ApiError("not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}`);
    await next();
  })
  .post(
    "/conversations/:id/seed",
    doc({ summary: "Development only: store many text messages from you at once (the benchmark)", responses: { 200: z.object({ lastSeq: z.number().int() }) }, errors: [403, 404] }),
    jsonBody(seedBody),
    pathParams(z.object({ id: conversationId }), { id: "No such conversation" }),
    async (c) => {
      const { id } = c.req.valid("param");
      const userId = c.get("auth").userId;
      await requireMembership(db(c.env), userId, id);
      return c.json(unwrap(await conversationObject(c.env, id).seedMessages(userId, c.req.valid("json").messages)));
    },
  )
  .get(
    "/d1-writes",
    doc({
      summary: "Development only: the D1 write batches and statements the conversation objects made for summaries and read positions since the isolate started (the benchmark)",
      responses: { 200: z.object({ batches: z.number().int(), statements: z.number().int() }) },
    }),
    (c) => c.json({ ...d1Meter }),
  )
  .post(
    "/moments/seed",
    doc({
      summary: "Development only: many friends for you at once, each with a few posts (the Moments benchmark)",
      responses: { 200: z.object({ friendIds: z.array(z.string()), posts: z.number().int() }) },
    }),
    jsonBody(momentsSeedBody),
    async (c) => c.json(await seedMomentFriends(db(c.env), c.get("auth").userId, c.req.valid("json"))),
  );
