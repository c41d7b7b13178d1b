import { Hono } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./env";
import { ApiError, errorBody } from "./lib/errors";
import { randomString } from "./lib/ids";
import { auth } from "./http/auth";
import { contactRoutes } from "./http/contacts";
import { conversationRoutes } from "./http/conversations";
import { faceToFaceRoutes } from "./http/face-to-face";
import { groupRoutes } from "./http/groups";
import { inviteRoutes, joinPage } from "./http/invites";
import { health } from "./http/health";
import { mediaRoutes } from "./http/media";
import { me, users } from "./http/users";

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

export const app = new Hono<AppEnv>()
  .use(async (c, next) => {
    const given = c.req.header("x-request-id");
    const id = given && REQUEST_ID.test(given) ? given : randomString(16);
    c.set("requestId", id);
    await next();
    c.res.headers.set("x-request-id", id);
  })
  // Answers that carry tokens or a signed-in user's data must not be kept by any cache on the way.
  // Routes with their own Cache-Control (media downloads) keep theirs.
  .use(async (c, next) => {
    await next();
    if (!c.res.headers.has("cache-control") && /^application\/json/i.test(c.res.headers.get("content-type") ?? "")) c.res.headers.set("cache-control", "no-store");
  })
  // Tokens travel in headers, never cookies, so any origin may call the API.
  .use(cors({ origin: "*", exposeHeaders: ["x-request-id", "retry-after"], maxAge: 86400 }))
  .route("/health", health)
  .route("/auth", auth)
  .route("/me", me)
  .route("/users", users)
  .route("/conversations", conversationRoutes)
  .route("/contacts", contactRoutes)
  .route("/groups", groupRoutes)
  .route("/invites", inviteRoutes)
  .route("/j", joinPage)
  .route("/face-to-face", faceToFaceRoutes)
  .route("/media", mediaRoutes);

app.notFound((c) => c.json(errorBody("not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}`, c.get("requestId")), 404));

app.onError((err, c) => {
  const requestId = c.get("requestId");
  if (err instanceof ApiError) {
    if (err.status >= 500) console.error(JSON.stringify({ requestId, code: err.code, message: err.message }));
    return c.json(errorBody(err.code, err.message, requestId, err.details), err.status as ContentfulStatusCode, err.headers);
  }
  if (err instanceof HTTPException && err.status < 500) {
    return c.json(errorBody("invalid_request", err.message || "Bad request", requestId), err.status as ContentfulStatusCode);
  }
  console.error(JSON.stringify({ requestId, error: String(err), stack: err instanceof Error ? err.stack : undefined }));
  return c.json(errorBody("internal", "Something went wrong on our side; try again", requestId), 500);
});

export type App = typeof app;
