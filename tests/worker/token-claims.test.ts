// Access tokens must say who they are for and when they end; answers that carry tokens or a
// signed-in user's data must not be kept by any cache on the way.
import { env } from "cloudflare:test";
import { decodeJwt, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { makeUser } from "./chat-helpers";
import { api, DEFAULT_PASSWORD, expectError, login, signUp, uniqueName } from "./helpers";
import { fetchUrl, png, uploaded, urlFor } from "./media-helpers";

const secret = () => new TextEncoder().encode(env.JWT_SECRET);
const me = (token: string) => api("GET", "/me", { token });

/** A token signed with the server's own secret, with the claims the test chooses. */
async function tokenWith(userId: string, sid: string, claims: { aud?: string; exp?: boolean }) {
  let jwt = new SignJWT({ sid }).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setSubject(userId).setIssuer("qun").setIssuedAt();
  if (claims.aud !== undefined) jwt = jwt.setAudience(claims.aud);
  if (claims.exp !== false) jwt = jwt.setExpirationTime("10m");
  return jwt.sign(secret());
}

describe("access token claims", () => {
  it("carry the API as their audience", async () => {
    const alice = await signUp("alice");
    expect(decodeJwt(alice.accessToken).aud).toBe("qun-api");
  });

  it("are accepted with the right secret, issuer, audience and expiry", async () => {
    const alice = await makeUser("alice");
    const { sid } = decodeJwt(alice.token) as { sid: string };
    expect((await me(await tokenWith(alice.id, sid, { aud: "qun-api" }))).status).toBe(200);
  });

  it("without an expiry answer 401 token_invalid, even when signed with the right secret", async () => {
    const alice = await makeUser("alice");
    const { sid } = decodeJwt(alice.token) as { sid: string };
    expectError(await me(await tokenWith(alice.id, sid, { aud: "qun-api", exp: false })), 401, "token_invalid");
  });

  it("for another audience, or none, answer 401 token_invalid, even when signed with the right secret", async () => {
    const alice = await makeUser("alice");
    const { sid } = decodeJwt(alice.token) as { sid: string };
    expectError(await me(await tokenWith(alice.id, sid, { aud: "qun-admin" })), 401, "token_invalid");
    expectError(await me(await tokenWith(alice.id, sid, {})), 401, "token_invalid");
  });
});

describe("caching", () => {
  it("marks sign-in answers, refreshes and signed-in JSON answers, errors included, Cache-Control: no-store", async () => {
    const username = uniqueName("alice");
    const registered = await api("POST", "/auth/register", { body: { username, password: DEFAULT_PASSWORD } });
    const signedIn = await login(username, DEFAULT_PASSWORD);
    const refreshed = await api("POST", "/auth/refresh", { body: { refreshToken: signedIn.body.refreshToken } });
    const token = signedIn.body.accessToken;
    const answers = [
      registered,
      signedIn,
      refreshed,
      await login(username, "wrong-passw0rd"),
      await me(token),
      await api("GET", "/conversations", { token }),
      await api("GET", "/contacts", { token }),
      await api("GET", "/media", { token }),
      await api("GET", "/me"),
    ];
    for (const res of answers) {
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect([res.status, res.headers.get("cache-control")]).toEqual([res.status, "no-store"]);
    }
  });

  it("leaves a media download's own caching as it is", async () => {
    const alice = await makeUser("alice");
    const photo = await uploaded(alice, png(8, 8));
    const download = await fetchUrl(await urlFor(alice, photo.id));
    expect(download.status).toBe(200);
    expect(download.headers.get("cache-control")).toMatch(/^private, max-age=\d+, immutable$/);
  });
});
