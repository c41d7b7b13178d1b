// Face-to-face groups: people nearby type the same 4-digit code, see each other arrive in a
// waiting room live, and entering creates one group that everyone who enters joins.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { FaceToFaceRoom } from "../../schema/groups";
import { GROUP_LIMITS } from "../../schema/limits";
import type { ServerFrame } from "../../schema/protocol";
import { distanceMeters, type FaceToFaceObject } from "../../worker/face-to-face/object";
import { history, makeUsers, SocketClient, type TestUser } from "./chat-helpers";
import { call, systemEvent } from "./group-helpers";
import { count, expectError, rows } from "./helpers";

const TIANANMEN = { latitude: 39.9055, longitude: 116.3976 };
const NEARBY = { latitude: 39.9075, longitude: 116.3996 }; // about 280 m away
const SHANGHAI = { latitude: 31.2304, longitude: 121.4737 };

const join = (u: TestUser, code: string, at = TIANANMEN) => call(u, "POST", "/face-to-face/rooms", { code, ...at });
const enter = (u: TestUser, roomId: string) => call(u, "POST", `/face-to-face/rooms/${roomId}/enter`);
const stub = (code: string) => env.FACE_TO_FACE.get(env.FACE_TO_FACE.idFromName(`f2f:${code}`));

async function expireRooms(code: string) {
  await runInDurableObject(stub(code), (instance: FaceToFaceObject) => {
    for (const room of (instance as unknown as { rooms: Map<string, FaceToFaceRoom> }).rooms.values()) room.expiresAt = Date.now() - 1;
  });
}

describe("the waiting room", () => {
  it("puts people nearby who typed the same code in one room, and shows each arrival live", async () => {
    const [a, b] = await makeUsers(2, "near");
    expect(distanceMeters(TIANANMEN, NEARBY)).toBeLessThan(GROUP_LIMITS.faceToFaceRadiusMeters);
    const first = await join(a!, "4821");
    expect(first.status).toBe(200);
    expect(first.body.roomId).toMatch(/^f2f_4821_[0-9a-z]{12}$/);
    expect(first.body.expiresAt).toBeGreaterThan(Date.now());
    const socket = await SocketClient.connect(a!.token);
    await socket.next((f) => f.type === "ready");

    const second = await join(b!, "4821", NEARBY);
    expect(second.body.roomId).toBe(first.body.roomId);
    expect(second.body.members.map((m: { userId: string }) => m.userId)).toEqual([a!.id, b!.id]);
    const frame = await socket.next<Extract<ServerFrame, { type: "face_to_face" }>>((f) => f.type === "face_to_face" && f.room.members.length === 2);
    expect(frame.room).toMatchObject({ roomId: first.body.roomId, code: "4821", conversationId: null });
    expect(frame.room.members[1]).toMatchObject({ userId: b!.id, nickname: b!.nickname, entered: false });
    socket.close();
  });

  it("puts far-away people with the same code, and nearby people with another code, in different rooms", async () => {
    const [a, b, c] = await makeUsers(3, "far");
    const here = (await join(a!, "1357")).body as FaceToFaceRoom;
    const there = (await join(b!, "1357", SHANGHAI)).body as FaceToFaceRoom;
    const other = (await join(c!, "2468", NEARBY)).body as FaceToFaceRoom;
    expect(new Set([here.roomId, there.roomId, other.roomId]).size).toBe(3);
    expect(there.members.map((m) => m.userId)).toEqual([b!.id]);
    expect(other.members.map((m) => m.userId)).toEqual([c!.id]);
  });

  it("keeps one seat per person: joining again returns the same room, and moving far away starts afresh", async () => {
    const [a, b] = await makeUsers(2, "again");
    const room = (await join(a!, "9090")).body as FaceToFaceRoom;
    await join(b!, "9090");
    expect((await join(a!, "9090", NEARBY)).body.roomId).toBe(room.roomId);
    const moved = (await join(a!, "9090", SHANGHAI)).body as FaceToFaceRoom;
    expect(moved.roomId).not.toBe(room.roomId);
    expect((await join(b!, "9090")).body.members.map((m: { userId: string }) => m.userId)).toEqual([b!.id]);
  });

  it("takes someone who leaves off everyone's list", async () => {
    const [a, b] = await makeUsers(2, "leaver");
    const room = (await join(a!, "5555")).body as FaceToFaceRoom;
    await join(b!, "5555");
    const socket = await SocketClient.connect(a!.token);
    await socket.next((f) => f.type === "ready");
    expect((await call(b!, "DELETE", `/face-to-face/rooms/${room.roomId}/members/me`)).status).toBe(204);
    const frame = await socket.next<Extract<ServerFrame, { type: "face_to_face" }>>((f) => f.type === "face_to_face");
    expect(frame.room.members.map((m) => m.userId)).toEqual([a!.id]);
    expectError(await enter(b!, room.roomId), 403, "forbidden");
    socket.close();
  });

  it("refuses codes that are not 4 digits and coordinates off the globe", async () => {
    const [a] = await makeUsers(1);
    for (const body of [{ code: "12a4", ...TIANANMEN }, { code: "12345", ...TIANANMEN }, { code: "1234", latitude: 91, longitude: 0 }, { code: "1234" }]) {
      expectError(await call(a!, "POST", "/face-to-face/rooms", body), 400, "invalid_request");
    }
    expectError(await call(a!, "POST", "/face-to-face/rooms/f2f_12_x/enter"), 404, "not_found");
  });
});

describe("entering", () => {
  it("creates the group once, with the first to enter as owner, and adds everyone who enters after", async () => {
    const [a, b, c] = await makeUsers(3, "enter");
    const room = (await join(a!, "2020")).body as FaceToFaceRoom;
    await join(b!, "2020", NEARBY);
    await join(c!, "2020");
    const socketB = await SocketClient.connect(b!.token);
    await socketB.next((f) => f.type === "ready");

    const first = await enter(a!, room.roomId);
    const groupId = first.body.conversationId as string;
    expect(groupId).toMatch(/^c_/);
    const seen = await socketB.next<Extract<ServerFrame, { type: "face_to_face" }>>((f) => f.type === "face_to_face" && f.room.conversationId === groupId);
    expect(seen.room.members.find((m) => m.userId === a!.id)!.entered).toBe(true);
    expectError(await call(b!, "GET", `/conversations/${groupId}/messages`), 403, "forbidden"); // not until they enter

    await Promise.all([enter(b!, room.roomId), enter(c!, room.roomId)]);
    expect((await enter(b!, room.roomId)).body.conversationId).toBe(groupId); // again: harmless
    expect(await rows("select user_id as userId, role from memberships where conversation_id = ? order by role desc", groupId)).toEqual(
      expect.arrayContaining([
        { userId: a!.id, role: "owner" },
        { userId: b!.id, role: "member" },
        { userId: c!.id, role: "member" },
      ]),
    );
    expect(await count("memberships", "conversation_id = ?", groupId)).toBe(3);
    const log = (await history(a!, groupId)).map(systemEvent);
    expect(log[0]).toMatchObject({ event: "created", actorId: a!.id, name: "Face-to-face 2020" });
    expect(log.slice(1).map((e) => e.event === "joined" && e.via)).toEqual(["face_to_face", "face_to_face"]);
    socketB.close();
  });

  it("still creates a single group when the first two enter at the same moment", async () => {
    const [a, b] = await makeUsers(2, "race");
    const room = (await join(a!, "7777")).body as FaceToFaceRoom;
    await join(b!, "7777");
    const [ra, rb] = await Promise.all([enter(a!, room.roomId), enter(b!, room.roomId)]);
    expect(ra.body.conversationId).toBe(rb.body.conversationId);
    expect(await count("conversations")).toBe(1);
    expect(await count("memberships", "conversation_id = ?", ra.body.conversationId)).toBe(2);
  });

  it("refuses an expired room, and the same code then opens a new one", async () => {
    const [a, b] = await makeUsers(2, "late");
    const room = (await join(a!, "3131")).body as FaceToFaceRoom;
    await expireRooms("3131");
    expectError(await enter(a!, room.roomId), 410, "room_expired");
    expect(await count("conversations")).toBe(0);
    const fresh = (await join(b!, "3131")).body as FaceToFaceRoom;
    expect(fresh.roomId).not.toBe(room.roomId);
    expect(fresh.members.map((m) => m.userId)).toEqual([b!.id]);
    expectError(await enter(a!, "f2f_3131_000000000000"), 404, "not_found");
  });

  it("forgets expired rooms when their alarm fires", async () => {
    const [a] = await makeUsers(1);
    await join(a!, "8080");
    await expireRooms("8080");
    expect(await runDurableObjectAlarm(stub("8080"))).toBe(true);
    const stored = await runInDurableObject(stub("8080"), (_i, state) => state.storage.get<unknown[]>("rooms"));
    expect(stored).toEqual([]);
  });
});
