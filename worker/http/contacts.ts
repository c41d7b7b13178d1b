// /contacts: friends, friend requests, tags and blocks. Everything is the caller's own view.
import { Hono, type MiddlewareHandler } from "hono";
import { z } from "zod";
import { acceptRequestBody, type ContactsList, createTagBody, friendRequestBody, renameTagBody, tagMembersBody, tagName, updateFriendBody } from "../../schema/contacts";
import { userId as userIdSchema } from "../../schema/protocol";
import { db } from "../db";
import type { AppEnv } from "../env";
import { flagAll, screenTexts } from "../data/safety";
import { jsonBody, pathParams } from "./validate";
import { requireAuth } from "./middleware";
import * as contacts from "../services/contacts";
import * as tags from "../services/tags";
import { userList } from "../../schema/api";
import {
  acceptedRequestResponse,
  contactsResponse,
  friendRequestResponse,
  friendRequestsResponse,
  friendView,
  tagDeletedResponse,
  tagRenamedResponse,
  tagResponse,
  tagsResponse,
} from "../../schema/contacts";
import { doc } from "./openapi";

const NO_USER = { userId: "No such user" } as const;
const userParams = pathParams(z.object({ userId: userIdSchema }), NO_USER);
// The router has already decoded the path segment once: decoding again would turn "100%25" into
// a malformed escape. A name that cannot be a tag is a bad request (400), not an absent tag.
const tagParams = pathParams(z.object({ name: tagName }));
const tagMemberParams = pathParams(z.object({ name: tagName, userId: userIdSchema }), NO_USER);

/** After a change succeeds, the caller's other devices hear which lists to refetch. */
const syncDevices =
  (...changed: ContactsList[]): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    await next();
    if (c.res.ok) await contacts.contactsChanged(c.env, c.get("auth").userId, changed);
  };

export const contactRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get("/", doc({ summary: "Your friends and tag names", responses: { 200: contactsResponse }, see: "docs/contacts.md#routes" }), async (c) =>
    c.json(await contacts.listFriends(c.env, db(c.env), c.get("auth").userId)),
  )
  .get("/requests", doc({ summary: "Pending friend requests, both ways", responses: { 200: friendRequestsResponse } }), async (c) =>
    c.json(await contacts.listRequests(db(c.env), c.get("auth").userId)),
  )
  .post(
    "/requests",
    doc({ summary: "Ask someone to be your friend", responses: { 201: friendRequestResponse, 200: friendRequestResponse }, errors: [403, 404, 409, 410, 429], see: "docs/contacts.md#routes" }),
    jsonBody(friendRequestBody),
    async (c) => {
      const me = c.get("auth").userId;
      const body = c.req.valid("json");
      const review = await screenTexts(c.env, me, [
        { kind: "greeting", text: body.greeting },
        { kind: "remark", text: body.remark },
      ]);
      const { request, created } = await contacts.sendRequest(c.env, db(c.env), me, body);
      await flagAll(c.env, review);
      // Asking someone who had asked you accepts theirs: then the friend list changed too.
      await contacts.contactsChanged(c.env, me, request.status === "accepted" ? ["friends", "requests"] : ["requests"]);
      return c.json({ request }, created ? 201 : 200);
    },
  )
  .post(
    "/requests/:id/accept",
    doc({ summary: "Accept a friend request", responses: { 200: acceptedRequestResponse }, errors: [403, 404, 409] }),
    syncDevices("friends", "requests"),
    jsonBody(acceptRequestBody),
    async (c) => {
      const { remark } = c.req.valid("json");
      const review = await screenTexts(c.env, c.get("auth").userId, [{ kind: "remark", text: remark }]);
      const accepted = await contacts.acceptRequest(c.env, db(c.env), c.get("auth").userId, c.req.param("id"), remark);
      await flagAll(c.env, review);
      return c.json(accepted);
    },
  )
  .post("/requests/:id/decline", doc({ summary: "Decline a friend request", responses: { 204: null }, errors: [403, 404, 409] }), syncDevices("requests"), async (c) => {
    await contacts.declineRequest(db(c.env), c.get("auth").userId, c.req.param("id"));
    return c.body(null, 204);
  })
  .get("/blocks", doc({ summary: "People you blocked", responses: { 200: userList } }), async (c) => c.json({ users: await contacts.listBlocked(db(c.env), c.get("auth").userId) }))
  .put("/blocks/:userId", doc({ summary: "Block someone", responses: { 204: null } }), syncDevices("blocks", "requests"), userParams, async (c) => {
    await contacts.block(c.env, db(c.env), c.get("auth").userId, c.req.valid("param").userId);
    return c.body(null, 204);
  })
  .delete("/blocks/:userId", doc({ summary: "Unblock someone", responses: { 204: null } }), syncDevices("blocks"), userParams, async (c) => {
    await contacts.unblock(c.env, db(c.env), c.get("auth").userId, c.req.valid("param").userId);
    return c.body(null, 204);
  })
  .get("/tags", doc({ summary: "Your tags", responses: { 200: tagsResponse } }), async (c) => c.json({ tags: await tags.listTags(db(c.env), c.get("auth").userId) }))
  .post("/tags", doc({ summary: "Make a tag", responses: { 201: tagResponse }, errors: [404, 409] }), syncDevices("tags", "friends"), jsonBody(createTagBody), async (c) => {
    const { name, userIds } = c.req.valid("json");
    return c.json({ tag: await tags.createTag(db(c.env), c.get("auth").userId, name, userIds) }, 201);
  })
  .put("/tags/:name", doc({ summary: "Rename a tag", responses: { 200: tagRenamedResponse }, errors: [404, 409] }), syncDevices("tags", "friends"), jsonBody(renameTagBody), tagParams, async (c) => {
    return c.json(await tags.renameTag(db(c.env), c.get("auth").userId, c.req.valid("param").name, c.req.valid("json").name));
  })
  .delete("/tags/:name", doc({ summary: "Delete a tag", responses: { 200: tagDeletedResponse }, errors: [404] }), syncDevices("tags", "friends"), tagParams, async (c) =>
    c.json(await tags.deleteTag(db(c.env), c.get("auth").userId, c.req.valid("param").name)),
  )
  .post(
    "/tags/:name/members",
    doc({ summary: "Put friends in a tag", responses: { 200: tagResponse }, errors: [404, 409] }),
    syncDevices("tags", "friends"),
    jsonBody(tagMembersBody),
    tagParams,
    async (c) => {
      return c.json({ tag: await tags.addToTag(db(c.env), c.get("auth").userId, c.req.valid("param").name, c.req.valid("json").userIds) });
    },
  )
  .delete("/tags/:name/members/:userId", doc({ summary: "Take a friend out of a tag", responses: { 200: tagResponse }, errors: [404] }), syncDevices("tags", "friends"), tagMemberParams, async (c) => {
    const tag = await tags.removeFromTag(db(c.env), c.get("auth").userId, c.req.valid("param").name, c.req.valid("param").userId);
    return c.json({ tag });
  })
  .get("/:userId", doc({ summary: "One friend", responses: { 200: friendView } }), userParams, async (c) =>
    c.json(await contacts.getFriend(c.env, db(c.env), c.get("auth").userId, c.req.valid("param").userId)),
  )
  .patch(
    "/:userId",
    doc({ summary: "A friend's remark and tags", responses: { 200: friendView }, errors: [409] }),
    syncDevices("friends", "tags"),
    jsonBody(updateFriendBody),
    userParams,
    async (c) => {
      const patch = c.req.valid("json");
      const review = await screenTexts(c.env, c.get("auth").userId, [{ kind: "remark", text: patch.remark }]);
      const friend = await contacts.updateFriend(c.env, db(c.env), c.get("auth").userId, c.req.valid("param").userId, patch);
      await flagAll(c.env, review);
      return c.json(friend);
    },
  )
  .delete("/:userId", doc({ summary: "End a friendship", responses: { 204: null } }), syncDevices("friends"), userParams, async (c) => {
    await contacts.deleteFriend(c.env, db(c.env), c.get("auth").userId, c.req.valid("param").userId);
    return c.body(null, 204);
  });
