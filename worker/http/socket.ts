// GET /ws: one WebSocket per device. The token comes in the Authorization header (wx.connectSocket
// can set it) or, for browsers, as the subprotocols ["qun", "<access token>"]. Failures are
// reported by accepting and closing with a code, since browsers cannot read a refused upgrade.
import { decodeJwt } from "jose";
import { CLOSE, type ServerFrame } from "../../schema/protocol";
import { db } from "../db";
import type { AuthContext, Env } from "../env";
import { ApiError, errorBody } from "../lib/errors";
import { gatewayFor } from "../lib/shards";
import { bearerToken } from "./middleware";
import { sessionState, verifyAccessToken } from "../services/tokens";

const SUBPROTOCOL = "qun";

function refuse(code: number, error: ApiError, protocol: string | null): Response {
  const pair = new WebSocketPair();
  const server = pair[1];
  server.accept();
  server.send(JSON.stringify({ type: "error", code: error.code, message: error.message } satisfies ServerFrame));
  server.close(code, error.message.slice(0, 120));
  return new Response(null, { status: 101, webSocket: pair[0], headers: protocol ? { "sec-websocket-protocol": protocol } : {} });
}

export async function socketUpgrade(request: Request, env: Env): Promise<Response> {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return Response.json(errorBody("invalid_request", "Connect with a WebSocket upgrade"), { status: 426 });
  }
  const offered = (request.headers.get("sec-websocket-protocol") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const protocol = offered.includes(SUBPROTOCOL) ? SUBPROTOCOL : null;
  const token = bearerToken(request.headers.get("authorization") ?? undefined) ?? (protocol ? (offered.find((p) => p !== SUBPROTOCOL) ?? null) : null);
  let auth: AuthContext;
  try {
    if (!token) throw new ApiError("unauthorized", "Send the access token in Authorization or as a subprotocol");
    auth = await verifyAccessToken(env, token);
    if ((await sessionState(db(env), auth)) !== "live") return refuse(CLOSE.revoked, new ApiError("token_revoked", "This session has been signed out"), protocol);
  } catch (e) {
    if (e instanceof ApiError) return refuse(CLOSE.unauthorized, e, protocol);
    throw e;
  }
  const headers = new Headers(request.headers);
  headers.set("x-qun-user", auth.userId);
  headers.set("x-qun-session", auth.sessionId);
  // The gateway closes the socket when this token expires; the client reconnects with a fresh one.
  const exp = decodeJwt(token).exp;
  if (typeof exp === "number") headers.set("x-qun-exp", String(exp * 1000));
  else headers.delete("x-qun-exp");
  if (protocol) headers.set("x-qun-protocol", protocol);
  else headers.delete("x-qun-protocol");
  return gatewayFor(env, auth.userId).fetch(new Request(request.url, { headers, method: "GET" }));
}
