import { describe, expect, it } from "vitest";
import { SELF } from "cloudflare:test";
import { api } from "./helpers";

const fetchRaw = (path: string, headers: Record<string, string>) => SELF.fetch(new Request(`https://qun.test${path}`, { headers }));

describe("health and the error contract", () => {
  it("reports ok with a database round trip", async () => {
    const res = await api("GET", "/health");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "ok", db: { ok: true } });
  });

  it("answers unknown routes with a JSON 404 and a request id", async () => {
    const res = await api("GET", "/nope");
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
    expect(res.body.error.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("echoes a well-formed request id and replaces a malformed one", async () => {
    const kept = await api("GET", "/health", { headers: { "x-request-id": "client-abc-123" } });
    expect(kept.headers.get("x-request-id")).toBe("client-abc-123");
    const replaced = await api("GET", "/health", { headers: { "x-request-id": "bad id with spaces" } });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-z]{16}$/);
    const tooLong = await api("GET", "/health", { headers: { "x-request-id": "a".repeat(65) } });
    expect(tooLong.headers.get("x-request-id")).toMatch(/^[0-9a-z]{16}$/);
  });

  it("puts the request id on answers a route builds itself (the join page)", async () => {
    const res = await fetchRaw("/j/not-a-code", { "x-request-id": "client-page-1" });
    expect(res.headers.get("x-request-id")).toBe("client-page-1");
  });
});
