// WeChat's content security, as the fake WeChat API answers it (specs choose the verdict by
// what they send):
// - /wxa/msg_sec_check (v2): text containing "wx-risky" is risky, "wx-review" review, "wx-down"
//   answers WeChat's system error (-1), "wx-slow" answers after 3 s (past the worker's timeout);
//   anything else passes. FAKE_WECHAT_DELAY_MS delays every answer (the bench uses 50 ms).
// - /wxa/media_check_async: answers trace_id "trace-media-<media id>"; the verdict is pushed later
//   by the spec (tests/support/wechat-push.ts builds signed pushes).
// Imported by fake-wechat.ts into its route table (tokenProblem is only called per request, so the
// two modules can import each other).
import { type Route, tokenProblem } from "./fake-wechat.ts";

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const baseDelay = () => Number(process.env.FAKE_WECHAT_DELAY_MS ?? 0);
let traces = 0;

const badRequest = (body: Record<string, unknown>, keys: string[]) => keys.some((k) => body[k] === undefined) || body.version !== 2;

const msgSecCheck: Route = async (r, state) => {
  const problem = tokenProblem(r, state);
  if (problem) return problem;
  if (baseDelay() > 0) await delay(baseDelay());
  const { body } = r;
  if (badRequest(body, ["content", "scene", "openid"])) return { errcode: 47001, errmsg: "data format error" };
  const content = String(body.content);
  if (content.includes("wx-slow")) await delay(3000);
  if (content.includes("wx-down")) return { errcode: -1, errmsg: "system error" };
  const trace_id = `trace-text-${++traces}`;
  const verdict = content.includes("wx-risky") ? { suggest: "risky", label: 20001 } : content.includes("wx-review") ? { suggest: "review", label: 20002 } : { suggest: "pass", label: 100 };
  return { errcode: 0, errmsg: "ok", trace_id, result: verdict, detail: [{ strategy: "content_model", errcode: 0, ...verdict, prob: 90 }] };
};

const mediaCheckAsync: Route = async (r, state) => {
  const problem = tokenProblem(r, state);
  if (problem) return problem;
  if (baseDelay() > 0) await delay(baseDelay());
  const { body } = r;
  if (badRequest(body, ["media_url", "media_type", "scene", "openid"])) return { errcode: 47001, errmsg: "data format error" };
  // The trace id names the media (…/media/<id>?e=&s=), so a spec can push its verdict.
  const mediaId = /\/media\/([^/?]+)/.exec(String(body.media_url))?.[1] ?? String(++traces);
  return { errcode: 0, errmsg: "ok", trace_id: `trace-media-${mediaId}` };
};

export const safetyRoutes: Record<string, Route> = { "/wxa/msg_sec_check": msgSecCheck, "/wxa/media_check_async": mediaCheckAsync };
