import { Hono } from "hono";
import { z } from "zod";
import { deleteAccountBody, searchUsersQuery, updateProfileBody } from "../../schema/api";
import { userId } from "../../schema/protocol";
import { db } from "../db";
import type { AppEnv } from "../env";
import { flagAll, screenTexts } from "../data/safety";
import { jsonBody, pathParams, queryParams } from "./validate";
import { requireAuth } from "./middleware";
import * as accounts from "../services/accounts";
import { strangersSettingChanged } from "../services/contacts";
import { deleteAccount } from "../services/deletion";
import { facesChanged } from "../services/groups";
import { requireOwnImage } from "../services/media";
import { accountDeletion, ownProfile, publicProfile, userList } from "../../schema/api";
import { doc } from "./openapi";
import { endOwnSession, listSessions } from "../services/sessions";
import { sessionId, sessionList } from "../../schema/web-login";

export const me = new Hono<AppEnv>()
  .use(requireAuth)
  .get("/", doc({ summary: "Your own profile", responses: { 200: ownProfile } }), async (c) => {
    const user = await accounts.requireUser(db(c.env), c.get("auth").userId);
    return c.json(accounts.toOwnProfile(user));
  })
  .patch("/", doc({ summary: "Change your profile", responses: { 200: ownProfile }, errors: [403, 409], see: "docs/api.md#profiles" }), jsonBody(updateProfileBody), async (c) => {
    const d = db(c.env);
    const user = await accounts.requireUser(d, c.get("auth").userId);
    const patch = c.req.valid("json");
    if (patch.avatarMediaId) await requireOwnImage(c.env, user.id, patch.avatarMediaId);
    const review = await screenTexts(c.env, user.id, [
      { kind: "nickname", text: patch.nickname },
      { kind: "signature", text: patch.signature },
      { kind: "status", text: patch.status },
    ]);
    const updated = await accounts.updateProfile(d, user, patch);
    await flagAll(c.env, review);
    if (patch.allowStrangers !== undefined && patch.allowStrangers !== user.allowStrangers) await strangersSettingChanged(c.env, d, user.id);
    // Their face (or initial) in the grid avatars of their groups, redrawn off this request's path.
    if (updated.avatarMediaId !== user.avatarMediaId || updated.nickname !== user.nickname) {
      c.executionCtx.waitUntil(facesChanged(c.env, user.id).catch((e) => console.error(JSON.stringify({ msg: "grid update failed", user: user.id, error: String(e) }))));
    }
    return c.json(accounts.toOwnProfile(updated));
  })
  // Signed-in devices (登录设备管理): the list, and ending one of them from another.
  .get("/sessions", doc({ summary: "Your signed-in devices", responses: { 200: sessionList }, see: "docs/api.md#web-sign-in" }), async (c) => {
    const { userId, sessionId: current } = c.get("auth");
    return c.json({ sessions: await listSessions(c.env, userId, current) });
  })
  .delete(
    "/sessions/:id",
    doc({ summary: "Sign one of your devices out", responses: { 204: null }, see: "docs/api.md#web-sign-in" }),
    pathParams(z.object({ id: sessionId }), { id: "No such signed-in device" }),
    async (c) => {
      await endOwnSession(c.env, c.get("auth").userId, c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  // Deleting the account: re-authenticate, then everything in services/deletion.ts. The answer
  // says which owned groups were handed over and which dissolved.
  .delete("/", doc({ summary: "Delete your account", responses: { 200: accountDeletion }, errors: [403, 429], see: "docs/api.md#deleting-an-account" }), jsonBody(deleteAccountBody), async (c) => {
    const user = await accounts.requireUser(db(c.env), c.get("auth").userId);
    await accounts.reauthenticate(db(c.env), c.env, user, c.req.valid("json"));
    return c.json(await deleteAccount(c.env, user.id));
  });

export const users = new Hono<AppEnv>()
  .use(requireAuth)
  .get("/search", doc({ summary: "Find a user by Qun ID or user id", responses: { 200: userList } }), queryParams(searchUsersQuery), async (c) => {
    const found = await accounts.searchUsers(db(c.env), c.req.valid("query").q);
    return c.json({ users: found.map(accounts.toPublicProfile) });
  })
  .get("/:id", doc({ summary: "A user's public profile", responses: { 200: publicProfile } }), pathParams(z.object({ id: userId }), { id: "No such user" }), async (c) => {
    return c.json(accounts.toPublicProfile(await accounts.requireUser(db(c.env), c.req.valid("param").id)));
  });
