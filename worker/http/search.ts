// Search routes (docs/search.md): GET /search (contacts, groups and messages for the box at the
// top of Chats), GET /search/messages (more chats, filters), and GET /conversations/:id/search
// (inside one chat: keyword, member, day, kind). Each checks the caller's membership first.
import { Hono } from "hono";
import { z } from "zod";
import { conversationId } from "../../schema/protocol";
import { chatSearchResult, messageSearchQuery, messagesSearchQuery, messagesSearchResponse, searchQuery, searchResponse } from "../../schema/search";
import { db } from "../db";
import type { AppEnv } from "../env";
import { unwrap } from "../lib/result";
import { conversationObject } from "../lib/shards";
import * as service from "../services/search";
import { requireAuth, requireMember } from "./middleware";
import { doc } from "./openapi";
import { pathParams, queryParams } from "./validate";

export const searchRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get("/", doc({ summary: "Contacts, group chats and messages matching q", responses: { 200: searchResponse }, see: "docs/search.md" }), queryParams(searchQuery), async (c) =>
    c.json(await service.searchAll(c.env, db(c.env), c.get("auth").userId, c.req.valid("query").q)),
  )
  .get(
    "/messages",
    doc({ summary: "Messages matching q across your chats, grouped by chat, with filters and a cursor", responses: { 200: messagesSearchResponse }, see: "docs/search.md" }),
    queryParams(messagesSearchQuery),
    async (c) => c.json(await service.searchMessages(c.env, c.get("auth").userId, c.req.valid("query"))),
  );

/** Mounted under /conversations beside conversationRoutes. */
export const chatSearchRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get(
    "/:id/search",
    doc({ summary: "Messages in one chat by keyword, member, day or kind, newest first", responses: { 200: chatSearchResult }, errors: [403], see: "docs/search.md" }),
    queryParams(messageSearchQuery),
    pathParams(z.object({ id: conversationId }), { id: "No such conversation" }),
    async (c) => {
      const { id } = c.req.valid("param");
      const userId = c.get("auth").userId;
      await requireMember(c, id);
      return c.json(unwrap(await conversationObject(c.env, id).search(userId, c.req.valid("query"))));
    },
  );
