import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { conversationId as conversationIdSchema } from "../../schema/protocol";
import type { AppEnv } from "../env";
import { db } from "../db";
import { ApiError } from "../lib/errors";
import { membershipVerdict, requireMembership } from "../services/conversations";
import { sessionAndMembership, sessionState, verifyAccessToken } from "../services/tokens";

/** Bearer token from the Authorization header; sockets may also pass it as a subprotocol. */
export function bearerToken(header: string | undefined): string | null {
  const m = header?.match(/^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i);
  return m ? m[1]! : null;
}

/** The conversation a request's path is about (/conversations/:id…, /groups/:id…), when it names one. */
function conversationInPath(path: string): string | null {
  const id = /^\/(?:conversations|groups)\/([^/]+)/.exec(path)?.[1];
  return id !== undefined && conversationIdSchema.safeParse(id).success ? id : null;
}

/**
 * The access token, then its session in D1 (a signed-out session's tokens stop at once). When the
 * path names a conversation, the same statement reads whether it exists and the caller is a member,
 * kept for the route's requireMember: one D1 round trip before the object instead of two.
 */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  // Two route groups share a prefix (/conversations: the chat's routes and its search), and each
  // runs this: the second has nothing left to check.
  if (c.get("auth")) return next();
  const token = bearerToken(c.req.header("authorization"));
  if (!token) throw new ApiError("unauthorized", "Sign in first: send Authorization: Bearer <access token>");
  const auth = await verifyAccessToken(c.env, token);
  const conversationId = conversationInPath(c.req.path);
  if (conversationId) {
    const { live, exists, member } = await sessionAndMembership(c.env.DB, auth, conversationId);
    if (!live) throw new ApiError("token_revoked", "This session has been signed out");
    c.set("membership", { conversationId, exists, member });
  } else if ((await sessionState(db(c.env), auth)) !== "live") throw new ApiError("token_revoked", "This session has been signed out");
  c.set("auth", auth);
  await next();
});

/**
 * For routes about one conversation: the caller must be a member (404 for an id nobody created,
 * 403 for a non-member), answered from what requireAuth read with the session when the path named
 * this conversation, else by its own D1 read.
 */
export async function requireMember(c: Context<AppEnv>, conversationId: string): Promise<void> {
  const known = c.get("membership");
  if (known?.conversationId === conversationId) return membershipVerdict(known);
  await requireMembership(db(c.env), c.get("auth").userId, conversationId);
}
