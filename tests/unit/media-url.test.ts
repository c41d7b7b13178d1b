// Signed media URLs in plain Node: an HMAC over the media id and expiry, the expiry rounded up
// to a step so repeated requests share a URL, and every way a URL can be wrong refused.
import { describe, expect, it } from "vitest";
import { MEDIA_LIMITS } from "../../schema/limits";
import type { Env } from "../../worker/env";
import { signMediaUrl, urlExpiry, verifyMediaUrl } from "../../worker/lib/media-url";

const env = { JWT_SECRET: "unit-test-secret-that-is-long-enough-32" } as Env;
const other = { JWT_SECRET: "another-secret-that-is-long-enough-32c" } as Env;
const MEDIA = "md_abcdefghij0123456789";
const NOW = Date.UTC(2026, 10, 30, 8, 0, 10); // 10 s into a step

async function parts(url: string) {
  const u = new URL(url);
  return { path: u.pathname, e: u.searchParams.get("e") ?? undefined, s: u.searchParams.get("s") ?? undefined };
}

async function refusal(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    return { code: (e as { code: string }).code, status: (e as { status: number }).status };
  }
  throw new Error("expected a refusal");
}

describe("signed media URLs", () => {
  it("expire at least the TTL away, rounded up to the step", () => {
    const step = MEDIA_LIMITS.urlStepSeconds;
    const e = urlExpiry(NOW);
    expect(e % step).toBe(0);
    expect(e - NOW / 1000).toBeGreaterThanOrEqual(MEDIA_LIMITS.urlTtlSeconds);
    expect(e - NOW / 1000).toBeLessThan(MEDIA_LIMITS.urlTtlSeconds + step);
    // Within one step every request gets the same expiry; the next step moves it on.
    expect(urlExpiry(NOW + 1000)).toBe(e);
    expect(urlExpiry(NOW + step * 1000)).toBe(e + step);
    // On a step boundary the TTL is exact.
    const aligned = Date.UTC(2026, 10, 30, 8, 0, 0);
    expect(urlExpiry(aligned)).toBe(aligned / 1000 + MEDIA_LIMITS.urlTtlSeconds);
    expect(urlExpiry(aligned + 999)).toBe(aligned / 1000 + MEDIA_LIMITS.urlTtlSeconds);
    expect(urlExpiry(NOW + 1)).toBe(Math.ceil((Math.floor((NOW + 1) / 1000) + MEDIA_LIMITS.urlTtlSeconds) / step) * step);
  });

  it("sign the media id and expiry into a URL that verifies until it expires", async () => {
    const e = urlExpiry(NOW);
    const url = await signMediaUrl(env, "https://qun.test", MEDIA, e);
    const { path, e: qe, s } = await parts(url);
    expect(path).toBe(`/media/${MEDIA}`);
    expect(qe).toBe(String(e));
    expect(s).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url).toBe(await signMediaUrl(env, "https://qun.test", MEDIA, e)); // deterministic
    expect(await verifyMediaUrl(env, MEDIA, qe, s, NOW)).toBe(e);
    expect(await verifyMediaUrl(env, MEDIA, qe, s, e * 1000 - 1)).toBe(e);
    expect(await refusal(verifyMediaUrl(env, MEDIA, qe, s, e * 1000))).toEqual({ code: "token_expired", status: 401 });
  });

  it("refuse another media id, another expiry, another secret, a bad or missing signature", async () => {
    const e = urlExpiry(NOW);
    const { e: qe, s } = await parts(await signMediaUrl(env, "https://qun.test", MEDIA, e));
    const invalid = { code: "token_invalid", status: 401 };
    expect(await refusal(verifyMediaUrl(env, "md_zzzzzzzzzz0123456789", qe, s, NOW))).toEqual(invalid);
    expect(await refusal(verifyMediaUrl(env, MEDIA, String(e + 300), s, NOW))).toEqual(invalid);
    expect(await refusal(verifyMediaUrl(other, MEDIA, qe, s, NOW))).toEqual(invalid);
    const flipped = (s![0] === "A" ? "B" : "A") + s!.slice(1);
    expect(await refusal(verifyMediaUrl(env, MEDIA, qe, flipped, NOW))).toEqual(invalid);
    // A malformed link says it lacks its signature; a well-formed forged one that it is not valid.
    for (const [qe2, s2] of [
      ["a12", s],
      ["12a", s],
      [qe, `${s}x`],
      [qe, `x${s}`],
    ] as const) {
      await expect(verifyMediaUrl(env, MEDIA, qe2, s2, NOW)).rejects.toThrow("This media link is missing its signature; ask for a new one");
    }
    await expect(verifyMediaUrl(env, MEDIA, qe, flipped, NOW)).rejects.toThrow("This media link is not valid");
    await expect(verifyMediaUrl(env, MEDIA, qe, s, e * 1000)).rejects.toThrow("This media link has expired; ask for a new one");
    for (const [qe2, s2] of [
      [undefined, s],
      [qe, undefined],
      ["", s],
      [qe, ""],
      ["12a", s],
      ["1234567890123", s],
      [qe, s!.slice(1)],
      [qe, `${s}A`],
      [qe, `${s!.slice(1)}+`],
    ] as const) {
      expect(await refusal(verifyMediaUrl(env, MEDIA, qe2, s2, NOW)), `${qe2} ${s2}`).toEqual(invalid);
    }
  });

  it("need a JWT_SECRET of at least 32 characters", async () => {
    const e = urlExpiry(NOW);
    expect(await refusal(signMediaUrl({ JWT_SECRET: "x".repeat(31) } as Env, "https://qun.test", MEDIA, e))).toEqual({ code: "not_configured", status: 503 });
    expect(await refusal(signMediaUrl({} as Env, "https://qun.test", MEDIA, e))).toEqual({ code: "not_configured", status: 503 });
    await expect(signMediaUrl({} as Env, "https://qun.test", MEDIA, e)).rejects.toThrow("The server's JWT_SECRET is missing or shorter than 32 characters");
    await expect(signMediaUrl({ JWT_SECRET: "x".repeat(32) } as Env, "https://qun.test", MEDIA, e)).resolves.toContain("/media/");
  });

  it("sign with a key derived from JWT_SECRET by HKDF (its own salt and info): a known answer", async () => {
    expect(await signMediaUrl(env, "https://qun.test", MEDIA, 1796025600)).toBe("https://qun.test/media/md_abcdefghij0123456789?e=1796025600&s=g7o0er5dvynuQB2HZ6vQrM3ot7HMjnkYfzztKwzhLJo");
  });
});
