// /contacts: friends, friend requests, tags and blocks. Everything is the caller's own view.
import { Hono } from "hono";
import { acceptRequestBody, friendRequestBody, renameTagBody, tagName, updateFriendBody } from "../../schema/contacts";
import { userId as userIdSchema } from "../../schema/protocol";
import { db } from "../db";
import type { AppEnv } from "../env";
import { ApiError } from "../lib/errors";
import { jsonBody } from "../lib/validate";
import { requireAuth } from "../middleware/auth";
import * as contacts from "../services/contacts";

function userParam(raw: string): string {
  const r = userIdSchema.safeParse(raw);
  if (!r.success) throw new ApiError("not_found", "No such user");
  return r.data;
}

function tagParam(raw: string): string {
  // Hono has already decoded the parameter; decoding again threw on a literal "%" (a 500).
  const r = tagName.safeParse(raw);
  if (!r.success) throw new ApiError("invalid_request", r.error.issues[0]?.message ?? "Not a tag name");
  return r.data;
}

export const contactRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get("/", async (c) => c.json(await contacts.listFriends(c.env, db(c.env), c.get("auth").userId)))
  .get("/requests", async (c) => c.json(await contacts.listRequests(db(c.env), c.get("auth").userId)))
  .post("/requests", jsonBody(friendRequestBody), async (c) => {
    const { request, created } = await contacts.sendRequest(c.env, db(c.env), c.get("auth").userId, c.req.valid("json"));
    return c.json({ request }, created ? 201 : 200);
  })
  .post("/requests/:id/accept", jsonBody(acceptRequestBody), async (c) => {
    return c.json(await contacts.acceptRequest(c.env, db(c.env), c.get("auth").userId, c.req.param("id"), c.req.valid("json").remark));
  })
  .post("/requests/:id/decline", async (c) => {
    await contacts.declineRequest(db(c.env), c.get("auth").userId, c.req.param("id"));
    return c.body(null, 204);
  })
  .get("/blocks", async (c) => c.json({ users: await contacts.listBlocked(db(c.env), c.get("auth").userId) }))
  .put("/blocks/:userId", async (c) => {
    await contacts.block(c.env, db(c.env), c.get("auth").userId, userParam(c.req.param("userId")));
    return c.body(null, 204);
  })
  .delete("/blocks/:userId", async (c) => {
    await contacts.unblock(c.env, db(c.env), c.get("auth").userId, userParam(c.req.param("userId")));
    return c.body(null, 204);
  })
  .put("/tags/:name", jsonBody(renameTagBody), async (c) => {
    const changed = await contacts.retag(db(c.env), c.get("auth").userId, tagParam(c.req.param("name")), c.req.valid("json").name);
    return c.json({ changed });
  })
  .delete("/tags/:name", async (c) => {
    const changed = await contacts.retag(db(c.env), c.get("auth").userId, tagParam(c.req.param("name")), null);
    return c.json({ changed });
  })
  .get("/:userId", async (c) => c.json(await contacts.getFriend(c.env, db(c.env), c.get("auth").userId, userParam(c.req.param("userId")))))
  .patch("/:userId", jsonBody(updateFriendBody), async (c) => {
    return c.json(await contacts.updateFriend(c.env, db(c.env), c.get("auth").userId, userParam(c.req.param("userId")), c.req.valid("json")));
  })
  .delete("/:userId", async (c) => {
    await contacts.deleteFriend(c.env, db(c.env), c.get("auth").userId, userParam(c.req.param("userId")));
    return c.body(null, 204);
  });
