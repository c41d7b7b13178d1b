import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { db } from "../db";
import { ApiError } from "../lib/errors";
import { sessionState, verifyAccessToken } from "../services/tokens";

/** Bearer token from the Authorization header; sockets may also pass it as a subprotocol. */
export function bearerToken(header: string | undefined): string | null {
  const m = header?.match(/^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i);
  return m ? m[1]! : null;
}

export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  if (!token) throw new ApiError("unauthorized", "Sign in first: send Authorization: Bearer <access token>");
  const auth = await verifyAccessToken(c.env, token);
  if ((await sessionState(db(c.env), auth)) !== "live") throw new ApiError("token_revoked", "This session has been signed out");
  c.set("auth", auth);
  await next();
});
