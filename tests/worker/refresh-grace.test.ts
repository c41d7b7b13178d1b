// A refresh whose answer was lost (the phone went into a tunnel) is retried with the same token:
// for a few seconds, while its successor is unused, that retry gets the successor again instead
// of being taken for a stolen token. Reuse after that still signs the whole session out.
import { decodeJwt } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LIMITS } from "../../schema/limits";
import { api, expectError, rows, signUp } from "./helpers";

const refresh = (refreshToken: string) => api("POST", "/auth/refresh", { body: { refreshToken } });
const me = (token: string) => api("GET", "/me", { token });

afterEach(() => {
  vi.useRealTimers();
});

describe("retrying a refresh", () => {
  it("within the grace period, before the new pair is used, gets the same successor and a working access token", async () => {
    const alice = await signUp("alice");
    const lost = await refresh(alice.refreshToken);
    expect(lost.status).toBe(200);

    const retry = await refresh(alice.refreshToken);
    expect(retry.status).toBe(200);
    expect(retry.body.refreshToken).toBe(lost.body.refreshToken);
    expect(retry.body.refreshTokenExpiresAt).toBe(lost.body.refreshTokenExpiresAt);
    expect(decodeJwt(retry.body.accessToken).sid).toBe(decodeJwt(alice.accessToken).sid);
    expect((await me(retry.body.accessToken)).status).toBe(200);
    expect(await rows("select revoked_at from sessions where user_id = ?", alice.user.id)).toEqual([{ revoked_at: null }]);

    // The chain goes on from the successor as usual.
    const next = await refresh(retry.body.refreshToken);
    expect(next.status).toBe(200);
    expect((await me(next.body.accessToken)).status).toBe(200);
  });

  it("twice at once gives both the same successor and keeps the session", async () => {
    const alice = await signUp("alice");
    const [a, b] = await Promise.all([refresh(alice.refreshToken), refresh(alice.refreshToken)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.refreshToken).toBe(b.body.refreshToken);
    expect((await refresh(a.body.refreshToken)).status).toBe(200);
  });

  it(`after the ${LIMITS.refreshRetryGraceSeconds} s grace period revokes the session`, async () => {
    const alice = await signUp("alice");
    vi.useFakeTimers({ toFake: ["Date"] });
    const t0 = Date.now();
    vi.setSystemTime(t0);
    const rotated = await refresh(alice.refreshToken);
    expect(rotated.status).toBe(200);
    vi.setSystemTime(t0 + LIMITS.refreshRetryGraceSeconds * 1000 + 1);
    expectError(await refresh(alice.refreshToken), 401, "token_revoked");
    expectError(await refresh(rotated.body.refreshToken), 401, "token_revoked");
    expectError(await me(rotated.body.accessToken), 401, "token_revoked");
    expect(await rows("select revoked_reason from sessions where user_id = ?", alice.user.id)).toEqual([{ revoked_reason: "refresh_token_reused" }]);
  });

  it("after the successor was used revokes the session, even within the grace period", async () => {
    const alice = await signUp("alice");
    const rotated = await refresh(alice.refreshToken);
    const next = await refresh(rotated.body.refreshToken);
    expect(next.status).toBe(200);
    expectError(await refresh(alice.refreshToken), 401, "token_revoked");
    expectError(await refresh(next.body.refreshToken), 401, "token_revoked");
    expectError(await me(next.body.accessToken), 401, "token_revoked");
  });
});
