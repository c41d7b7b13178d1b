// Bindings (wrangler.toml, secrets) and per-request variables of the Hono app.
export interface Env {
  DB: D1Database;
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
}

export interface AuthContext {
  userId: string;
  sessionId: string;
}

export interface AppEnv {
  Bindings: Env;
  Variables: { requestId: string; auth: AuthContext };
}

export const isDevelopment = (env: Env) => env.ENVIRONMENT === "development";
