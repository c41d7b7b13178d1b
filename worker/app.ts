import { Hono } from "hono";
import { z } from "zod";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./env";
import { ApiError, errorBody } from "./lib/errors";
import { randomString } from "./lib/ids";
import { auth } from "./http/auth";
import { webAuth, webLoginPage } from "./http/web-auth";
import { contactRoutes } from "./http/contacts";
import { devRoutes } from "./http/dev";
import { conversationRoutes } from "./http/conversations";
import { faceToFaceRoutes } from "./http/face-to-face";
import { groupRoutes } from "./http/groups";
import { inviteRoutes, joinPage } from "./http/invites";
import { health } from "./http/health";
import { mediaRoutes } from "./http/media";
import { momentRoutes } from "./http/moments";
import { noticeRoutes } from "./http/notices";
import { doc, openApiDocument } from "./http/openapi";
import { chatSearchRoutes, searchRoutes } from "./http/search";
import { me, users } from "./http/users";
import { opsConsole } from "./http/ops-console";
import { opsRoutes } from "./http/ops";
import { reportRoutes } from "./http/reports";
import { wechatPush } from "./http/wechat-push";

export const app = new Hono<AppEnv>()
  // A client's id is kept when it is word characters, - and = only, at most 64 of them (what
  // reaches the log line); anything else gets a fresh one.
  .use(requestId({ limitLength: 64, generator: () => randomString(16) }))
  // hono's requestId sets the header on answers made with c.json/c.body; routes that build a
  // Response themselves (media downloads, the join page) get it here.
  .use(async (c, next) => {
    await next();
    c.res.headers.set("x-request-id", c.get("requestId"));
  })
  // Answers that carry tokens or a signed-in user's data must not be kept by any cache on the way.
  // Routes with their own Cache-Control (media downloads) keep theirs.
  .use(async (c, next) => {
    await next();
    if (!c.res.headers.has("cache-control") && /^application\/json/i.test(c.res.headers.get("content-type") ?? "")) c.res.headers.set("cache-control", "no-store");
  })
  // Tokens travel in headers, so any origin may call the API. The one exception, the web
  // sign-in's cookies, is SameSite=Strict and checked by origin (worker/http/web-auth.ts).
  .use(cors({ origin: "*", exposeHeaders: ["x-request-id", "retry-after"], maxAge: 86400 }))
  .route("/health", health)
  // Web sign-in by QR code (docs/api.md#web-sign-in): cookie-authorised for the browser.
  .route("/auth/web", webAuth)
  .route("/auth", auth)
  .route("/me", me)
  .route("/users", users)
  .route("/conversations", conversationRoutes)
  .route("/contacts", contactRoutes)
  .route("/groups", groupRoutes)
  .route("/invites", inviteRoutes)
  .route("/j", joinPage)
  .route("/w", webLoginPage)
  .route("/face-to-face", faceToFaceRoutes)
  .route("/media", mediaRoutes)
  // Moments (朋友圈, docs/moments.md).
  .route("/moments", momentRoutes)
  .route("/notices", noticeRoutes)
  // Content safety and moderation (docs/moderation.md).
  .route("/reports", reportRoutes)
  .route("/ops-console", opsConsole)
  .route("/ops", opsRoutes)
  .route("/wechat", wechatPush)
  .route("/search", searchRoutes)
  .route("/conversations", chatSearchRoutes)
  .route("/dev", devRoutes);

// The OpenAPI document, built once per isolate from the routes above (public: it is the API's
// description, not anyone's data).
let openApi: ReturnType<typeof openApiDocument> | undefined;
app.get("/openapi.json", doc({ summary: "This API's OpenAPI 3.1 document", responses: { 200: z.object({ openapi: z.literal("3.1.0") }).loose() } }), (c) => c.json((openApi ??= openApiDocument(app))));

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
