// A local stand-in for api.weixin.qq.com's jscode2session, speaking its real wire format.
// Codes choose the answer: "ok-<name>" signs in openid "openid-<name>", "invalid" and "used"
// return WeChat's errcodes, "busy" its system-busy error, "reset" drops the connection.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export const FAKE_APPID = "wx-test-appid";
export const FAKE_SECRET = "wx-test-secret";

export async function startFakeWechat(): Promise<{ url: string; close: () => Promise<void>; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const send = (body: object) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== "/sns/jscode2session") {
      res.writeHead(404).end();
      return;
    }
    const q = url.searchParams;
    if (q.get("appid") !== FAKE_APPID || q.get("secret") !== FAKE_SECRET) return send({ errcode: 40125, errmsg: "invalid appsecret" });
    if (q.get("grant_type") !== "authorization_code") return send({ errcode: 40002, errmsg: "invalid grant_type" });
    const code = q.get("js_code") ?? "";
    if (code.startsWith("ok-")) return send({ openid: `openid-${code.slice(3)}`, session_key: "c2Vzc2lvbg==", unionid: `union-${code.slice(3)}` });
    if (code === "used") return send({ errcode: 40163, errmsg: "code been used" });
    if (code === "busy") return send({ errcode: -1, errmsg: "system error" });
    if (code === "reset") return void req.socket.destroy();
    return send({ errcode: 40029, errmsg: "invalid code" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, close: () => new Promise((r) => server.close(() => r())) };
}
