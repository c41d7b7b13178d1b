// Face-to-face codes are only 4 digits: without a limit one account could sweep all of them in
// minutes, landing in strangers' rooms and leaving a waiting room on every code. A user may try
// a few codes a minute and holds one waiting room at a time.
import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FaceToFaceRoom } from "../../schema/groups";
import { GROUP_LIMITS } from "../../schema/limits";
import type { FaceToFaceObject } from "../../worker/face-to-face/object";
import { makeUsers, type TestUser } from "./chat-helpers";
import { call } from "./group-helpers";
import { expectError } from "./helpers";

const HERE = { latitude: 39.9055, longitude: 116.3976 };
const join = (u: TestUser, code: string) => call(u, "POST", "/face-to-face/rooms", { code, ...HERE });
const stub = (code: string) => env.FACE_TO_FACE.get(env.FACE_TO_FACE.idFromName(`f2f:${code}`));
const codes = (n: number, from = 3000) => Array.from({ length: n }, (_, i) => String(from + i));

/** The rooms a code's object holds, with their members' ids. */
async function roomsOf(code: string): Promise<string[][]> {
  return runInDurableObject(stub(code), (instance: FaceToFaceObject) => [...(instance as unknown as { rooms: Map<string, FaceToFaceRoom> }).rooms.values()].map((r) => r.members.map((m) => m.userId)));
}

describe("trying face-to-face codes", () => {
  // The limit counts per clock minute: start each case just after one begins, so none straddles two.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Math.ceil(Date.now() / 60_000) * 60_000 + 1000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it(`allows ${GROUP_LIMITS.faceToFaceCodesPerMinute} codes a minute, then answers 429 with Retry-After and opens no room`, async () => {
    const [eve] = await makeUsers(1, "sweeper");
    for (const code of codes(GROUP_LIMITS.faceToFaceCodesPerMinute)) expect((await join(eve!, code)).status).toBe(200);
    const refused = await join(eve!, "9999");
    expectError(refused, 429, "rate_limited");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await roomsOf("9999")).toEqual([]);
  });

  it("holds the limit against codes tried in parallel", async () => {
    const [eve] = await makeUsers(1, "sweeper");
    const results = await Promise.all(codes(25, 4000).map((code) => join(eve!, code)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(GROUP_LIMITS.faceToFaceCodesPerMinute);
    for (const r of results.filter((r) => r.status !== 200)) expectError(r, 429, "rate_limited");
  });

  it("limits each user on their own", async () => {
    const [eve, ann] = await makeUsers(2, "f2f");
    for (const code of codes(GROUP_LIMITS.faceToFaceCodesPerMinute)) await join(eve!, code);
    expectError(await join(eve!, "9998"), 429, "rate_limited");
    expect((await join(ann!, "9998")).status).toBe(200);
  });
});

describe("one waiting room per person", () => {
  it("typing a new code leaves the previous room, taking the person off the list there", async () => {
    const [eve, ann] = await makeUsers(2, "f2f");
    const first = (await join(eve!, "1111")).body as FaceToFaceRoom;
    await join(ann!, "1111");
    expect(await roomsOf("1111")).toEqual([[eve!.id, ann!.id]]);

    const second = (await join(eve!, "2222")).body as FaceToFaceRoom;
    expect(second.members.map((m) => m.userId)).toEqual([eve!.id]);
    expect(await roomsOf("1111")).toEqual([[ann!.id]]);
    expectError(await call(eve!, "POST", `/face-to-face/rooms/${first.roomId}/enter`), 403, "forbidden");
  });

  it("leaves no waiting room behind on the codes a sweep tried, only on the last", async () => {
    const [eve] = await makeUsers(1, "sweeper");
    const tried = codes(GROUP_LIMITS.faceToFaceCodesPerMinute, 5000);
    for (const code of tried) expect((await join(eve!, code)).status).toBe(200);
    for (const code of tried.slice(0, -1)) expect(await roomsOf(code)).toEqual([]);
    expect(await roomsOf(tried.at(-1)!)).toEqual([[eve!.id]]);
  });

  it("ends with the person in exactly one room when codes are tried in parallel", async () => {
    const [eve] = await makeUsers(1, "sweeper");
    const tried = codes(6, 6000);
    await Promise.all(tried.map((code) => join(eve!, code)));
    const seats = (await Promise.all(tried.map(roomsOf))).flat().filter((members) => members.includes(eve!.id));
    expect(seats).toHaveLength(1);
  });
});
