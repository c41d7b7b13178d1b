// A local stand-in for api.weixin.qq.com, speaking its real wire format. Each endpoint Qun uses
// is one entry of `routes`; every call is recorded so a spec can see what the worker sent
// (GET /__fake/calls?path=…&match=…, newest last).
//
// - /sns/jscode2session: codes choose the answer: "ok-<name>" signs in openid "openid-<name>",
//   "invalid" and "used" return WeChat's errcodes, "busy" its system-busy error, "reset" drops
//   the connection.
// - /cgi-bin/stable_token: a token per app that changes only when force_refresh is set; a token
//   can be invalidated with POST /__fake/expire-token to model WeChat's 40001 answers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { safetyRoutes } from "./fake-wechat-safety.ts";

export const FAKE_APPID = "wx-test-appid";
export const FAKE_SECRET = "wx-test-secret";

export interface FakeCall {
  path: string;
  query: Record<string, string>;
  body: unknown;
  at: number;
}

export interface FakeRequest {
  url: URL;
  query: URLSearchParams;
  body: Record<string, unknown>;
  req: IncomingMessage;
  res: ServerResponse;
}

/** What a route answers: a JSON body (sent with 200, as WeChat does for errors too), or "handled". */
type RouteResult = object | "handled";
export type Route = (r: FakeRequest, state: FakeState) => RouteResult | Promise<RouteResult>;

export interface FakeState {
  tokenVersion: number;
  calls: FakeCall[];
}

const TOKEN_INVALID = { errcode: 40001, errmsg: "invalid credential, access_token is invalid or not latest" };

/** The access token WeChat would currently accept. */
const currentToken = (state: FakeState) => `fake-access-token-${state.tokenVersion}`;

/** For routes that need `?access_token=`: undefined when it is current, else WeChat's 40001. */
export function tokenProblem(r: FakeRequest, state: FakeState): object | undefined {
  return r.query.get("access_token") === currentToken(state) ? undefined : TOKEN_INVALID;
}

const routes: Record<string, Route> = {
  "/sns/jscode2session": ({ query: q, req }) => {
    if (q.get("appid") !== FAKE_APPID || q.get("secret") !== FAKE_SECRET) return { errcode: 40125, errmsg: "invalid appsecret" };
    if (q.get("grant_type") !== "authorization_code") return { errcode: 40002, errmsg: "invalid grant_type" };
    const code = q.get("js_code") ?? "";
    if (code.startsWith("ok-")) return { openid: `openid-${code.slice(3)}`, session_key: "c2Vzc2lvbg==", unionid: `union-${code.slice(3)}` };
    if (code === "used") return { errcode: 40163, errmsg: "code been used" };
    if (code === "busy") return { errcode: -1, errmsg: "system error" };
    if (code === "reset") {
      req.socket.destroy();
      return "handled";
    }
    return { errcode: 40029, errmsg: "invalid code" };
  },
  "/cgi-bin/stable_token": ({ body }, state) => {
    if (body.grant_type !== "client_credential") return { errcode: 40002, errmsg: "invalid grant_type" };
    if (body.appid !== FAKE_APPID || body.secret !== FAKE_SECRET) return { errcode: 40125, errmsg: "invalid appsecret" };
    if (body.force_refresh === true) state.tokenVersion++;
    return { access_token: currentToken(state), expires_in: 7200 };
  },
  // Not WeChat's: answers its body back when the token is current, for specs of the token handling.
  "/__fake/echo": (r, state) => tokenProblem(r, state) ?? { errcode: 0, echo: r.body },
  ...safetyRoutes, // msg_sec_check, media_check_async (fake-wechat-safety.ts)
};

/** Adds (or replaces) the answer of one WeChat endpoint; features register theirs here. */
export function fakeRoute(path: string, route: Route) {
  added().set(path, route);
}

/**
 * Routes registered by feature files. Those files are imported by this one and so run before
 * its body (where `routes` is not yet initialised): the map hangs off globalThis, reached through
 * a hoisted function.
 */
function added(): Map<string, Route> {
  const g = globalThis as { __fakeWechatRoutes?: Map<string, Route> };
  g.__fakeWechatRoutes ??= new Map();
  return g.__fakeWechatRoutes;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (chunks.length === 0) return {};
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export async function startFakeWechat(): Promise<{ url: string; close: () => Promise<void>; server: Server }> {
  const state: FakeState = { tokenVersion: 1, calls: [] };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const send = (body: object, status = 200) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const body = await readBody(req);
    if (url.pathname === "/__fake/calls") {
      const path = url.searchParams.get("path");
      const match = url.searchParams.get("match");
      return send({ calls: state.calls.filter((c) => (!path || c.path === path) && (!match || JSON.stringify(c).includes(match))) });
    }
    if (url.pathname === "/__fake/expire-token") {
      state.tokenVersion++;
      return send({ ok: true });
    }
    const route = added().get(url.pathname) ?? routes[url.pathname];
    // (/__fake/echo is recorded like a WeChat API so specs can count its attempts.)
    if (!route) return send({ errcode: 404, errmsg: `fake WeChat has no ${url.pathname}` }, 404);
    state.calls.push({ path: url.pathname, query: Object.fromEntries(url.searchParams), body, at: Date.now() });
    const answer = await route({ url, query: url.searchParams, body, req, res }, state);
    if (answer !== "handled") send(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, close: () => new Promise((r) => server.close(() => r())) };
}

// Features register their endpoints in files of their own.
import "./fake-wechat-notices.ts";
