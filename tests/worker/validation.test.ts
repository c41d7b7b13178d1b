import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LIMITS } from "../../schema/limits";
import { api, count, DEFAULT_PASSWORD, expectError, signUp, uniqueName } from "./helpers";

const validRegistration = () => JSON.stringify({ username: uniqueName(), password: DEFAULT_PASSWORD });

describe("request bodies", () => {
  it("must be application/json: other or missing content types answer 415", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/vnd.api+json"]) {
      expectError(await api("POST", "/auth/register", { raw: validRegistration(), headers: { "content-type": type } }), 415, "unsupported_media_type");
    }
    expectError(await api("POST", "/auth/register", { raw: validRegistration() }), 415, "unsupported_media_type");
    expect(await count("users")).toBe(0);
  });

  it("accept a charset parameter and any letter case in the content type", async () => {
    const res = await api("POST", "/auth/register", { raw: validRegistration(), headers: { "content-type": "Application/JSON; charset=utf-8" } });
    expect(res.status).toBe(201);
  });

  it("must be well-formed JSON: malformed bodies answer 400", async () => {
    for (const raw of ["{", "{'username': 'x'}", "", "undefined", '{"username": "abcdefg",}']) {
      const res = await api("POST", "/auth/register", { raw, headers: { "content-type": "application/json" } });
      expectError(res, 400, "invalid_request");
      expect(res.body.error.message).toBe("Body is not valid UTF-8 JSON");
    }
  });

  it("must be valid UTF-8, not silently repaired", async () => {
    const prefix = new TextEncoder().encode(`{"username": "${uniqueName()}", "password": "${DEFAULT_PASSWORD}", "nickname": "Al`);
    const raw = new Uint8Array([...prefix, 0xff, 0xfe, ...new TextEncoder().encode('ice"}')]);
    expectError(await api("POST", "/auth/register", { raw, headers: { "content-type": "application/json" } }), 400, "invalid_request");
    expect(await count("users")).toBe(0);
  });

  it("must be an object of the expected shape", async () => {
    for (const raw of ["[]", "null", "42", '"text"']) {
      expectError(await api("POST", "/auth/register", { raw, headers: { "content-type": "application/json" } }), 400, "invalid_request");
    }
  });

  it("may not carry unknown fields; the error names them", async () => {
    const res = await api("POST", "/auth/login", { body: { username: "someone", password: "x", remember: true } });
    expectError(res, 400, "invalid_request");
    expect(res.body.error.details).toEqual([{ path: "", message: expect.stringContaining("remember") }]);
  });

  it("report every invalid field with its path", async () => {
    const res = await api("POST", "/auth/register", { body: { username: 5, password: "short" } });
    expectError(res, 400, "invalid_request");
    expect(new Set(res.body.error.details.map((d: { path: string }) => d.path))).toEqual(new Set(["password", "username"]));
    expect(res.body.error.message).toMatch(/^(username|password): /);
  });

  it(`may be at most ${LIMITS.jsonBodyBytes} bytes: a larger declared length answers 413 without reading it`, async () => {
    const big = JSON.stringify({ username: uniqueName(), password: DEFAULT_PASSWORD, nickname: "n".repeat(LIMITS.jsonBodyBytes) });
    const res = await api("POST", "/auth/register", { raw: big, headers: { "content-type": "application/json" } });
    expectError(res, 413, "payload_too_large");
    expect(await count("users")).toBe(0);
  });

  it("may be at most that size when streamed without a length, too", async () => {
    const chunk = new TextEncoder().encode(" ".repeat(16 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode("{"));
        if (sent > LIMITS.jsonBodyBytes * 4) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const res = await SELF.fetch("https://qun.test/auth/register", { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(res.status).toBe(413);
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe("payload_too_large");
  });

  it("exactly at the limit are read", async () => {
    const base = { username: uniqueName(), password: DEFAULT_PASSWORD, nickname: "Alice" };
    const padded = JSON.stringify(base).slice(0, -1) + " ".repeat(LIMITS.jsonBodyBytes - JSON.stringify(base).length) + "}";
    expect(new TextEncoder().encode(padded).byteLength).toBe(LIMITS.jsonBodyBytes);
    const res = await api("POST", "/auth/register", { raw: padded, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(201);
  });

  it("are checked for authenticated routes only after the token", async () => {
    const res = await api("PATCH", "/me", { raw: "{", headers: { "content-type": "application/json" } });
    expectError(res, 401, "unauthorized");
    const alice = await signUp("alice");
    expectError(await api("PATCH", "/me", { token: alice.accessToken, raw: "nickname=x", headers: { "content-type": "text/plain" } }), 415, "unsupported_media_type");
  });
});

describe("the error contract", () => {
  it("answers every error as { error: { code, message, requestId } } with the status of its code", async () => {
    const res = await api("POST", "/auth/login", { body: { username: "nobody-here", password: "wrong-passw0rd" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.body).toEqual({ error: { code: "invalid_credentials", message: expect.any(String), requestId: res.headers.get("x-request-id") } });
  });

  it("answers an unknown method on a known path with a JSON 404", async () => {
    expectError(await api("GET", "/auth/login"), 404, "not_found");
    const alice = await signUp("alice");
    expectError(await api("PUT", "/me", { token: alice.accessToken }), 404, "not_found");
  });

  it("lets browsers call the API from any origin (tokens travel in headers, not cookies)", async () => {
    const res = await SELF.fetch("https://qun.test/auth/login", {
      method: "OPTIONS",
      headers: { origin: "https://example.org", "access-control-request-method": "POST", "access-control-request-headers": "content-type, authorization" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
  });
});
