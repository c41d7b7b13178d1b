// The fake WeChat API's subscribe messages (/cgi-bin/message/subscribe/send), with the answers
// notices must handle. Who gets which answer is chosen by the openid:
// - "openid-refuses…": 43101 (the user refused, or has no subscription WeChat knows of);
// - "openid-quota…": 45009 (the app's daily quota is spent);
// - "openid-broken…": 40003 (invalid openid), an error that is only logged;
// - anything else: sent. A stale access token gets 40001 first, as from WeChat.
// Every call is recorded (GET /__fake/calls?path=/cgi-bin/message/subscribe/send&match=<openid>).
import { fakeRoute, tokenProblem } from "./fake-wechat.ts";

const rid = () => `rid: ${Math.random().toString(16).slice(2, 10)}-${Date.now().toString(16)}`;

fakeRoute("/cgi-bin/message/subscribe/send", (r, state) => {
  const stale = tokenProblem(r, state);
  if (stale) return stale;
  const { touser, template_id, data } = r.body;
  if (typeof touser !== "string" || typeof template_id !== "string" || !data || typeof data !== "object") return { errcode: 47003, errmsg: `argument invalid! ${rid()}` };
  for (const [key, field] of Object.entries(data as Record<string, { value?: unknown }>)) {
    const value = typeof field?.value === "string" ? field.value : "";
    if (key.startsWith("thing") && [...value].length > 20) return { errcode: 47003, errmsg: `argument invalid! data.${key}.value too long ${rid()}` };
  }
  if (touser.startsWith("openid-refuses")) return { errcode: 43101, errmsg: `user refuse to accept the msg ${rid()}` };
  if (touser.startsWith("openid-quota")) return { errcode: 45009, errmsg: `reach max api daily quota limit ${rid()}` };
  if (touser.startsWith("openid-broken")) return { errcode: 40003, errmsg: `invalid openid ${rid()}` };
  return { errcode: 0, errmsg: "ok", msgid: Date.now() };
});
