// The worker's small pure helpers in plain Node: previews, RPC results, shards, ids, PATCH over
// POST, error bodies, and the error table every response takes its status from.
import { describe, expect, it, vi } from "vitest";
import { ERROR_STATUS } from "../../schema/errors";
import { MESSAGE_LIMITS } from "../../schema/limits";
import { ApiError, errorBody } from "../../worker/lib/errors";
import { newId, randomString } from "../../worker/lib/ids";
import { withMethodOverride } from "../../worker/http/method-override";
import { previewText } from "../../worker/lib/preview";
import { guard, unwrap } from "../../worker/lib/result";
import { jumpHash } from "../../worker/lib/shard-layout";
import { groupByShard, shardLayout, shardOf } from "../../worker/lib/shards";

describe("previewText", () => {
  it("shows text on one line, cut to the preview length, and media as a label", () => {
    expect(previewText("text", { text: "see\n you \t there" })).toBe("see you there");
    expect(previewText("text", { text: "x".repeat(MESSAGE_LIMITS.previewChars + 5) })).toHaveLength(MESSAGE_LIMITS.previewChars);
    expect(previewText("text", { text: 42 })).toBe("");
    expect(previewText("image", { mediaId: "md_x" })).toBe("[Photo]");
    expect(previewText("voice", {})).toBe("[Voice]");
    expect(previewText("video", {})).toBe("[Video]");
    expect(previewText("file", { name: "route.gpx" })).toBe("[File] route.gpx");
    expect(previewText("file", {})).toBe("[File]");
    expect(previewText("location", { name: "Trailhead" })).toBe("[Location] Trailhead");
    expect(previewText("location", {})).toBe("[Location]");
    expect(previewText("card", { userId: "u_x", nickname: "张三", avatarMediaId: null, username: null })).toBe("[名片] 张三");
    expect(previewText("system", { event: "renamed" })).toBe("[renamed]");
  });

  it("is empty for a recalled message", () => {
    expect(previewText("text", null)).toBe("");
  });
});

describe("Result across RPC", () => {
  it("carries a value, or an ApiError's code, message and details, and rethrows anything else", async () => {
    expect(await guard(() => 7)).toEqual({ ok: true, value: 7 });
    expect(await guard(async () => "x")).toEqual({ ok: true, value: "x" });
    expect(
      await guard(() => {
        throw new ApiError("not_friends", "1 person is not your friend", { notFriends: ["u_1"] });
      }),
    ).toEqual({ ok: false, code: "not_friends", message: "1 person is not your friend", details: { notFriends: ["u_1"] } });
    const plain = await guard(() => {
      throw new ApiError("forbidden", "no");
    });
    expect(plain).toEqual({ ok: false, code: "forbidden", message: "no" });
    expect("details" in plain).toBe(false);
    await expect(
      guard(() => {
        throw new TypeError("bug");
      }),
    ).rejects.toThrow("bug");
  });

  it("unwraps back into the value or the same ApiError", () => {
    expect(unwrap({ ok: true, value: 3 })).toBe(3);
    try {
      unwrap({ ok: false, code: "group_full", message: "full", details: { ids: ["a"] } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect(e).toMatchObject({ code: "group_full", message: "full", status: 409, details: { ids: ["a"] } });
    }
  });
});

describe("gateway shards", () => {
  it("place a user by jump hashing into one of the configured shards (16 unless set), the same every time", () => {
    expect(shardLayout()).toEqual({ count: 16, previous: null });
    for (const id of ["", "a", "foobar"]) expect(shardOf(id)).toBe(jumpHash(id, 16));
    const seen = new Set(Array.from({ length: 400 }, (_, i) => shardOf(`u_${i}`)));
    expect(seen.size).toBe(16);
    for (const s of seen) expect(s).toBeGreaterThanOrEqual(0);
  });

  it("group users by shard, each once, in the order given", () => {
    const users = Array.from({ length: 50 }, (_, i) => `u_${i}`);
    const groups = groupByShard(users);
    expect([...groups.values()].flat().sort()).toEqual([...users].sort());
    for (const [shard, list] of groups) {
      for (const u of list) expect(shardOf(u)).toBe(shard);
      expect(list).toEqual(users.filter((u) => shardOf(u) === shard));
    }
  });
});

describe("ids", () => {
  it("are the prefix and 20 characters of [0-9a-z], all different", () => {
    const ids = Array.from({ length: 200 }, () => newId("u"));
    for (const id of ids) expect(id).toMatch(/^u_[0-9a-z]{20}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(randomString(1)).toMatch(/^[0-9a-z]$/);
    expect(randomString(300)).toMatch(/^[0-9a-z]{300}$/);
  });

  it("skip bytes from 252 up (no modulo bias) and draw more when a whole draw was skipped", () => {
    const draws = [new Uint8Array(8).fill(252), new Uint8Array(8).fill(255), Uint8Array.from([251, 1, 36, 37, 0, 0, 0, 0])];
    const spy = vi.spyOn(crypto, "getRandomValues").mockImplementation(<T extends ArrayBufferView | null>(a: T): T => {
      (a as unknown as Uint8Array).set(draws.shift()!.subarray(0, (a as unknown as Uint8Array).length));
      return a;
    });
    try {
      expect(randomString(4)).toBe("z101"); // 251 % 36 = 35 → "z", 1, 36 % 36 = 0, 37 % 36 = 1
      // A draw that runs out part way: the rest (3 more) comes from the next draw.
      draws.push(Uint8Array.from([2, 252, 252, 252, 252, 252, 252, 252]), Uint8Array.from([3, 4, 5, 6, 7, 8]));
      expect(randomString(4)).toBe("2345");
    } finally {
      spy.mockRestore();
    }
  });

  it("use every character of the alphabet", () => {
    expect(new Set(randomString(5000)).size).toBe(36);
  });
});

describe("method override", () => {
  const req = (method: string, header?: string) =>
    new Request("https://qun.test/groups/x", { method, headers: header === undefined ? {} : { "x-http-method-override": header }, body: method === "GET" ? null : "{}" });

  it("turns POST with X-HTTP-Method-Override: PATCH into a PATCH without the header", () => {
    for (const h of ["PATCH", " patch "]) {
      const out = withMethodOverride(req("POST", h));
      expect(out.method).toBe("PATCH");
      expect(out.headers.get("x-http-method-override")).toBeNull();
    }
  });

  it("leaves every other request as it was", () => {
    for (const r of [req("POST"), req("POST", "DELETE"), req("PUT", "PATCH"), req("GET", "PATCH")]) expect(withMethodOverride(r)).toBe(r);
  });
});

describe("errors", () => {
  it("take their status from the table and shape bodies as { error: { code, message } }", () => {
    expect(new ApiError("group_full", "full").status).toBe(409);
    expect(errorBody("forbidden", "no")).toEqual({ error: { code: "forbidden", message: "no" } });
    expect(errorBody("forbidden", "no", "req-1", { x: 1 })).toEqual({ error: { code: "forbidden", message: "no", requestId: "req-1", details: { x: 1 } } });
    // Strict: an absent requestId or details is left out, not sent as undefined.
    expect(errorBody("forbidden", "no", "", undefined)).toStrictEqual({ error: { code: "forbidden", message: "no" } });
  });

  it("use the HTTP status each code means", () => {
    const byStatus: Record<number, string[]> = {};
    for (const [code, status] of Object.entries(ERROR_STATUS)) (byStatus[status] ??= []).push(code);
    expect(byStatus[400]).toEqual(["invalid_request", "empty_upload", "incomplete_upload"]);
    expect(byStatus[401]).toEqual(["unauthorized", "token_expired", "token_invalid", "token_revoked", "invalid_credentials", "wechat_code_invalid"]);
    expect(byStatus[403]).toEqual(["forbidden", "wrong_password", "blocked", "not_friends", "join_closed", "account_suspended"]);
    expect(byStatus[404]).toEqual(["not_found"]);
    expect(byStatus[409]).toEqual(["conflict", "username_taken", "already_friends", "tag_exists", "tag_limit", "group_full", "client_id_reused"]);
    expect(byStatus[410]).toEqual(["group_dissolved", "account_deleted", "invite_expired", "invite_revoked", "invite_used_up", "room_expired", "expired"]);
    expect(ERROR_STATUS).toMatchObject({
      payload_too_large: 413,
      unsupported_media_type: 415,
      range_not_satisfiable: 416,
      content_refused: 422,
      rate_limited: 429,
      internal: 500,
      wechat_unavailable: 502,
      not_configured: 503,
    });
    expect(Object.keys(ERROR_STATUS)).toHaveLength(38);
  });
});
