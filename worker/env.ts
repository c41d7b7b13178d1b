// Bindings (wrangler.toml, secrets) and per-request variables of the Hono app.
export interface Env {
  DB: D1Database;
  // Summary shards SUMMARIES_0 … SUMMARIES_{n-1} (wrangler.toml; only worker/data/summaries.ts reads them).
  [summaryShard: `SUMMARIES_${number}`]: D1Database | undefined;
  ENVIRONMENT: string; // "production" (default) or "development" (set by .dev.vars)
  JWT_SECRET?: string; // secret
  PASSWORD_PEPPER?: string; // secret: HMAC key applied to passwords before PBKDF2
  WECHAT_APPID?: string; // secret
  WECHAT_SECRET?: string; // secret
  WECHAT_API_BASE: string;
  PUBLIC_BASE_URL: string;
  CONVERSATION: DurableObjectNamespace<import("./conversation/object").ConversationObject>;
  GATEWAY: DurableObjectNamespace<import("./gateway/object").GatewayObject>;
  FACE_TO_FACE: DurableObjectNamespace<import("./face-to-face/object").FaceToFaceObject>;
  MEDIA: R2Bucket;
  ASSETS?: Fetcher; // the browser client's build (web/dist, docs/web.md); absent where it was not built
  WECHAT: DurableObjectNamespace<import("./wechat/object").WechatObject>;
  // Notices (docs/notices.md): the subscribe-message template, its fields, the mini-program
  // version a notice opens, and the least time between two notices to one user.
  NOTICE_TEMPLATE_ID?: string;
  NOTICE_TEMPLATE_FIELDS?: string;
  NOTICE_MINIPROGRAM_STATE?: string;
  NOTICE_MIN_INTERVAL_SECONDS?: string;
  // Content safety and moderation (docs/moderation.md).
  OPERATOR_USER_IDS?: string; // comma-separated user ids with the operator role
  CONTENT_WORDS_RISKY?: string; // local word list: refused (one entry per line or comma)
  CONTENT_WORDS_REVIEW?: string; // local word list: stored and flagged for review
  CONTENT_CHECK_OUTAGE?: string; // "local" (default): the local list decides while WeChat is down; "refuse"
  CONTENT_CHECK_TIMEOUT_MS?: string; // how long a send waits for msgSecCheck (default 1500)
  WECHAT_PUSH_TOKEN?: string; // secret: the message push Token set in WeChat's admin console
  WECHAT_PUSH_AES_KEY?: string; // secret: its EncodingAESKey (safe mode)
  // Gateway shards (docs/scaling.md): how many; while the count changes, the count before it.
  GATEWAY_SHARDS?: string;
  GATEWAY_SHARDS_PREVIOUS?: string;
  GROUP_GRID_DELAY_MS?: string; // how long after a change a group's grid avatar is made (default 2000; docs/groups.md)
}

export interface AuthContext {
  userId: string;
  sessionId: string;
}

/**
 * What D1 said of the conversation a request's path names (/conversations/:id…, /groups/:id…)
 * and the caller, read in the statement that checks the session (http/middleware.ts): a route
 * about one conversation then costs one D1 round trip before its object, not two. Routes still
 * decide whether membership is required (http/middleware.ts requireMember).
 */
export interface Membership {
  conversationId: string;
  exists: boolean;
  member: boolean;
}

export interface AppEnv {
  Bindings: Env;
  Variables: { requestId: string; auth: AuthContext; membership?: Membership };
}

export const isDevelopment = (env: Env) => env.ENVIRONMENT === "development";
