// /moments (朋友圈, docs/moments.md): posting and deleting, the timeline, a person's album, one
// post, likes and comments, notifications, the Discover badge and the privacy settings. Every
// route is the signed-in caller's view; what they may see is decided in data/moment-rules.ts.
import { type Context, Hono } from "hono";
import { z } from "zod";
import {
  albumResponse,
  badgeQuery,
  badgeResponse,
  commentBody,
  commentId,
  createMomentBody,
  hideListBody,
  momentId,
  momentPage,
  momentSettingsView,
  momentView,
  notificationsResponse,
  readNotificationsBody,
  settingsBody,
  timelineQuery,
} from "../../schema/moments";
import { userId } from "../../schema/protocol";
import { db } from "../db";
import type { AppEnv } from "../env";
import * as moments from "../services/moments";
import { requireAuth } from "./middleware";
import { doc } from "./openapi";
import { jsonBody, pathParams, queryParams } from "./validate";

const NO_POST = { id: "No such post, or you cannot see it" } as const;
const postParams = pathParams(z.object({ id: momentId }), NO_POST);
const commentParams = pathParams(z.object({ id: momentId, commentId }), { ...NO_POST, commentId: "No such comment of yours" });
const see = "docs/moments.md";
/** Live news (the `moments` frame) goes out after the answer, on the request's waitUntil. */
const later =
  (c: Context<AppEnv>): moments.Later =>
  (task) =>
    c.executionCtx.waitUntil(task);

export const momentRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .post(
    "/",
    doc({ summary: "Post to Moments: text, up to nine pictures or one video, a location, an audience", responses: { 201: momentView }, errors: [403, 404, 422, 429], see }),
    jsonBody(createMomentBody),
    async (c) => c.json(await moments.createMoment(c.env, db(c.env), c.get("auth").userId, c.req.valid("json"), later(c)), 201),
  )
  .get("/timeline", doc({ summary: "Your and your friends' posts you may see, newest first", responses: { 200: momentPage }, see }), queryParams(timelineQuery), async (c) =>
    c.json(await moments.timeline(db(c.env), c.get("auth").userId, c.req.valid("query"))),
  )
  .get("/badge", doc({ summary: "The Discover tab's dot (a friend posted after `since`) and unread notifications", responses: { 200: badgeResponse }, see }), queryParams(badgeQuery), async (c) =>
    c.json(await moments.badge(db(c.env), c.get("auth").userId, c.req.valid("query").since)),
  )
  .get("/notifications", doc({ summary: "Likes, comments and replies to you that you may see, newest first", responses: { 200: notificationsResponse }, see }), async (c) =>
    c.json(await moments.notifications(db(c.env), c.get("auth").userId)),
  )
  .post("/notifications/read", doc({ summary: "Mark your notifications read up to a time", responses: { 204: null }, see }), jsonBody(readNotificationsBody), async (c) => {
    await moments.markNotificationsRead(db(c.env), c.get("auth").userId, c.req.valid("json").until);
    return c.body(null, 204);
  })
  .get("/settings", doc({ summary: "Your Moments privacy settings and cover", responses: { 200: momentSettingsView }, see }), async (c) =>
    c.json(await moments.getSettings(db(c.env), c.get("auth").userId)),
  )
  .patch(
    "/settings",
    doc({ summary: "How far back friends and non-friends may look; your cover picture", responses: { 200: momentSettingsView }, errors: [403], see }),
    jsonBody(settingsBody),
    async (c) => c.json(await moments.updateSettings(c.env, db(c.env), c.get("auth").userId, c.req.valid("json"))),
  )
  .put("/settings/hidden", doc({ summary: "Friends your posts are hidden from (replaces the list)", responses: { 200: momentSettingsView }, errors: [403], see }), jsonBody(hideListBody), async (c) =>
    c.json(await moments.setHideList(db(c.env), c.get("auth").userId, "hide", c.req.valid("json").userIds)),
  )
  .put(
    "/settings/muted",
    doc({ summary: "Friends whose posts your timeline leaves out (replaces the list)", responses: { 200: momentSettingsView }, errors: [403], see }),
    jsonBody(hideListBody),
    async (c) => c.json(await moments.setHideList(db(c.env), c.get("auth").userId, "mute", c.req.valid("json").userIds)),
  )
  .get(
    "/users/:userId",
    doc({ summary: "A person's album: their posts you may see", responses: { 200: albumResponse }, see }),
    queryParams(timelineQuery),
    pathParams(z.object({ userId }), { userId: "No such user" }),
    async (c) => c.json(await moments.album(db(c.env), c.get("auth").userId, c.req.valid("param").userId, c.req.valid("query"))),
  )
  .get("/:id", doc({ summary: "One post you may see", responses: { 200: momentView }, see }), postParams, async (c) =>
    c.json(await moments.getMoment(db(c.env), c.get("auth").userId, c.req.valid("param").id)),
  )
  .delete("/:id", doc({ summary: "Delete your post (its likes and comments go with it)", responses: { 204: null }, see }), postParams, async (c) => {
    await moments.deleteMoment(db(c.env), c.get("auth").userId, c.req.valid("param").id);
    return c.body(null, 204);
  })
  .put("/:id/like", doc({ summary: "Like a post", responses: { 200: momentView }, errors: [403], see }), postParams, async (c) =>
    c.json(await moments.like(c.env, db(c.env), c.get("auth").userId, c.req.valid("param").id, later(c))),
  )
  .delete("/:id/like", doc({ summary: "Take your like back", responses: { 200: momentView }, see }), postParams, async (c) =>
    c.json(await moments.unlike(db(c.env), c.get("auth").userId, c.req.valid("param").id)),
  )
  .post("/:id/comments", doc({ summary: "Comment on a post, or reply to a comment", responses: { 201: momentView }, errors: [403, 422, 429], see }), jsonBody(commentBody), postParams, async (c) =>
    c.json(await moments.comment(c.env, db(c.env), c.get("auth").userId, c.req.valid("param").id, c.req.valid("json"), later(c)), 201),
  )
  .delete("/:id/comments/:commentId", doc({ summary: "Delete your comment, or one on your post", responses: { 200: momentView }, see }), commentParams, async (c) =>
    c.json(await moments.deleteComment(db(c.env), c.get("auth").userId, c.req.valid("param").id, c.req.valid("param").commentId)),
  );
