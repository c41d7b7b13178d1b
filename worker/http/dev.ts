// Routes for local development and the benchmark only: signed-in callers get 404 unless
// ENVIRONMENT is "development" (never in production, where wrangler.toml's default is "production").
import { Hono } from "hono";
import { z } from "zod";
import { conversationId, userId } from "../../schema/protocol";
import { d1Meter } from "../data/d1-meter";
import { db } from "../db";
import { type AppEnv, isDevelopment } from "../env";
import { ApiError } from "../lib/errors";
import { unwrap } from "../lib/result";
import { conversationObject } from "../lib/shards";
import { requireMembership } from "../services/conversations";
import { seedMomentFriends } from "../services/moments-seed";
import { meterByName, seedConversations, seedUsers } from "../services/sim-seed";
import { requireUsers } from "../services/conversations";
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

// ---- the simulation of a large deployment (docs/scaling.md#simulation) --------------------

const simUsersBody = z
  .strictObject({
    count: z.number().int().min(1).max(5000),
    signedIn: z.number().int().min(0).max(5000),
    prefix: z.string().min(1).max(20),
  })
  .refine((b) => b.signedIn <= b.count, { message: "signedIn cannot exceed count", path: ["signedIn"] });

const simConversationsBody = z.strictObject({
  conversations: z
    .array(
      z.strictObject({
        members: z
          .array(userId)
          .min(2)
          .max(500)
          .refine((m) => new Set(m).size === m.length, "Members must be distinct"),
      }),
    )
    .min(1)
    .max(200),
});

const objectMeter = z.object({ requests: z.number().int(), byMethod: z.record(z.string(), z.number().int()) });
const meterView = z.object({
  objects: z.record(z.string(), z.record(z.string(), objectMeter)),
  databases: z.record(z.string(), z.object({ statements: z.number().int(), batches: z.number().int(), single: z.number().int() })),
});

const simRoutes = new Hono<AppEnv>()
  .get(
    "/meter",
    doc({ summary: "Development only: requests per Durable Object (by kind and method) and D1 statements per binding since the isolate started", responses: { 200: meterView } }),
    async (c) => c.json(await meterByName(c.env)),
  )
  .post(
    "/sim/users",
    doc({
      summary: "Development only: many accounts at once, the first `signedIn` with an access token each (the simulation)",
      responses: { 200: z.object({ users: z.array(z.object({ id: z.string(), token: z.string().optional() })) }) },
    }),
    jsonBody(simUsersBody),
    async (c) => {
      const b = c.req.valid("json");
      return c.json({ users: await seedUsers(c.env, b.count, b.signedIn, b.prefix) });
    },
  )
  .post(
    "/sim/conversations",
    doc({
      summary: "Development only: many conversations of existing accounts at once (two members: a direct chat; more: a group of the first's)",
      responses: { 200: z.object({ ids: z.array(z.string()) }) },
      errors: [400],
    }),
    jsonBody(simConversationsBody),
    async (c) => {
      const { conversations } = c.req.valid("json");
      // Unknown accounts are refused before anything is written.
      await requireUsers(db(c.env), [...new Set(conversations.flatMap((x) => x.members))]);
      return c.json({ ids: await seedConversations(c.env, conversations) });
    },
  );

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
      summary:
        "Development only: the D1 write batches and statements the conversation objects made for summaries and read positions, and the rows their send and read paths wrote in their own SQLite, since the isolate started (the benchmark)",
      responses: { 200: z.object({ batches: z.number().int(), statements: z.number().int(), rowsWritten: z.number().int(), objectRowsWritten: z.number().int() }) },
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
  )
  // ---- the simulation of a large deployment (docs/scaling.md#simulation) ----------------
  .route("/", simRoutes);
