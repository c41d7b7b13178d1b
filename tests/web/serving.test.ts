// The browser client is served by the same Worker as the API (docs/web.md#serving): the page at
// / with its security headers, the hashed bundles as static assets, and every API path exactly
// as before.
import { describe, expect, inject, it } from "vitest";

const base = inject("webBaseUrl");
const navigate = { accept: "text/html", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document" };

describe("serving the web client", () => {
  it("serves the app's page at / with a strict CSP, nosniff and no referrer", async () => {
    const res = await fetch(`${base}/`, { headers: navigate });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    const directives = Object.fromEntries(csp.split(/;\s*/).map((d) => [d.split(" ")[0], d.split(" ").slice(1).join(" ")]));
    expect(directives["script-src"]).toBe("'self'");
    expect(directives["connect-src"]).toBe(`'self' ${base.replace(/^http/, "ws")}`);
    expect(directives["img-src"]).toBe("'self' blob: data:");
    expect(directives["frame-ancestors"]).toBe("'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await res.text();
    // No inline script: the CSP would block it, and the page needs none.
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/[^"]+\.js"><\/script>/);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
  });

  it("serves the bundles the page names as static assets with nosniff", async () => {
    const html = await (await fetch(`${base}/`)).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith(".js"))).toBe(true);
    for (const asset of assets) {
      const res = await fetch(`${base}${asset}`);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get("x-content-type-options"), asset).toBe("nosniff");
      expect(res.headers.get("cache-control"), asset).toContain("immutable");
    }
  });

  it("answers API paths as before, also when a browser navigates to them", async () => {
    const health = await fetch(`${base}/health`, { headers: navigate });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
    const me = await fetch(`${base}/me`, { headers: navigate });
    expect(me.status).toBe(401);
    expect(((await me.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    const unknown = await fetch(`${base}/no-such-route`, { headers: navigate });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toMatch(/^application\/json/);
  });
});
