// The client's cache of signed media URLs, against what the worker answers: expiresAt in unix
// milliseconds (tests/worker/media-download.test.ts pins that side).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { forgetMediaUrls, mediaUrl, mediaUrls } from "../../miniprogram/services/media";
import { endSession, startSession } from "../../miniprogram/services/session";
import { MEDIA_LIMITS } from "../../schema/limits";
import type { MediaUrlsResponse } from "../../schema/media";
import { createFakeApi } from "./fake-api";
import { createWxAdapter, installWx } from "./wx-adapter";

let now = 0;
let asked: string[][] = [];
let n = 0;
/** The URL cache lives as long as the app: each test uses ids of its own. */
const freshId = () => `md_${String(++n).padStart(4, "0")}cachecachecache`;

beforeEach(() => {
  now = Date.UTC(2026, 10, 23, 1, 0, 0);
  vi.spyOn(Date, "now").mockImplementation(() => now);
  asked = [];
  const server = createFakeApi();
  installWx(
    createWxAdapter({
      fetch: async (req) => {
        if (new URL(req.url).pathname !== "/media/urls") return server.fetch(req);
        const { mediaIds } = (await req.json()) as { mediaIds: string[] };
        asked.push(mediaIds);
        // As the worker answers: the expiry in unix ms, the URL's own `e` in seconds.
        const expiresAt = now + MEDIA_LIMITS.urlTtlSeconds * 1000;
        const granted = mediaIds.filter((id) => !id.startsWith("md_gone"));
        const body: MediaUrlsResponse = {
          urls: granted.map((id) => ({ mediaId: id, url: `https://qun.test/media/${id}?e=${expiresAt / 1000}&s=sig${asked.length}`, expiresAt })),
          denied: mediaIds.filter((id) => !granted.includes(id)),
        };
        return Response.json(body);
      },
    }),
  );
  startSession({ ...server.tokensFor("u1"), user: server.user("u1"), created: false });
});

afterEach(() => {
  endSession("user");
  vi.restoreAllMocks();
});

describe("signed media URLs on the client", () => {
  it("reuses a granted URL while it is fresh, without asking the server again", async () => {
    const id = freshId();
    const first = await mediaUrls([id]);
    expect(first[id]).toMatch(/sig1$/);
    now += 60_000;
    expect(await mediaUrls([id])).toEqual(first);
    expect(mediaUrl(id)).toBe(first[id]);
    expect(asked).toEqual([[id]]);
  });

  it("asks again for a URL about to expire, since the worker refuses it once it has", async () => {
    const id = freshId();
    const first = await mediaUrls([id]);
    now += MEDIA_LIMITS.urlTtlSeconds * 1000 - 30_000;
    expect(mediaUrl(id)).toBe("");
    const second = await mediaUrls([id]);
    expect(second[id]).toMatch(/sig2$/);
    expect(second[id]).not.toBe(first[id]);
    expect(asked).toEqual([[id], [id]]);
  });

  it("treats a URL as stale from exactly a minute before its expiry", async () => {
    const id = freshId();
    await mediaUrls([id]);
    now += MEDIA_LIMITS.urlTtlSeconds * 1000 - 60_000 - 1;
    expect(mediaUrl(id)).not.toBe("");
    now += 1;
    expect(mediaUrl(id)).toBe("");
  });

  it("asks for at most 100 ids a call, answers only the granted ones, and has nothing for no id", async () => {
    const ids = Array.from({ length: 150 }, () => freshId());
    const gone = "md_gone0000000000000000";
    const got = await mediaUrls([...ids, gone]);
    expect(asked.map((a) => a.length)).toEqual([100, 51]);
    expect(Object.keys(got)).toEqual(ids);
    expect(mediaUrl(null)).toBe("");
    expect(mediaUrl(undefined)).toBe("");
  });

  it("forgets every URL at sign-out: they were the user's grants", async () => {
    const id = freshId();
    await mediaUrls([id]);
    forgetMediaUrls();
    expect(mediaUrl(id)).toBe("");
  });
});
