// The browser client's page (docs/web.md). Its bundles are static assets under /assets/ served
// without the Worker; the page itself comes through here so it carries a Content-Security-Policy
// naming this Worker's own ws(s) origin (a static _headers file cannot know the host). Outside the
// Hono app, like /ws: it is not part of the API (no OpenAPI entry, no sign-in).
import type { Env } from "../env";

/** The headers of the app's HTML: no inline script, talk only to this origin, never framed. */
export function webAppHeaders(origin: string): Record<string, string> {
  const url = new URL(origin);
  const ws = `${url.protocol === "https:" ? "wss:" : "ws:"}//${url.host}`;
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "media-src 'self' blob:",
    "font-src 'self'",
    `connect-src 'self' ${ws}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  return {
    "content-security-policy": csp,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    // The page names hashed bundles: a stale copy would load old code against a new API.
    "cache-control": "no-cache",
  };
}

/** GET / (and HEAD /): the app's index.html from the assets, with the headers above. */
export async function webAppPage(request: Request, env: Env): Promise<Response | null> {
  if (!env.ASSETS || (request.method !== "GET" && request.method !== "HEAD")) return null;
  const url = new URL(request.url);
  const asset = await env.ASSETS.fetch(new Request(new URL("/", url), { method: request.method, headers: { accept: "text/html" } }));
  if (!asset.ok) return null; // not built: the API's own 404 answers
  const headers = new Headers(asset.headers);
  for (const [name, value] of Object.entries(webAppHeaders(url.origin))) headers.set(name, value);
  return new Response(asset.body, { status: 200, headers });
}
