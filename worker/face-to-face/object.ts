// One object per 4-digit face-to-face code. It keeps the code's short-lived waiting rooms:
// people who type the same code within the radius share a room and see each other arrive live;
// the first to enter creates the group, later ones join it. Rooms expire a few minutes after
// they open; far-apart people with the same code get separate rooms.
// Lifecycle: load rooms → join (find or open a room) → enter (create or join the group) →
// alarm drops expired rooms.
import { DurableObject } from "cloudflare:workers";
import type { FaceToFaceMember, FaceToFaceRoom } from "../../schema/groups";
import { GROUP_LIMITS as G } from "../../schema/limits";
import type { ServerFrame } from "../../schema/protocol";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import { newId, randomString } from "../lib/ids";
import { Mutex } from "../lib/mutex";
import { guard, unwrap, type Result } from "../lib/result";
import { conversationObject, gateway, groupByShard, useShardLayout } from "../lib/shards";

interface Room extends FaceToFaceRoom {
  latitude: number;
  longitude: number;
}

export interface FaceToFaceUser {
  userId: string;
  nickname: string;
  avatarMediaId: string | null;
}

const EARTH_RADIUS_M = 6_371_000;

/** Great-circle distance in meters (haversine). */
export function distanceMeters(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export const faceToFaceObject = (env: Env, code: string) => env.FACE_TO_FACE.get(env.FACE_TO_FACE.idFromName(`f2f:${code}`));

export class FaceToFaceObject extends DurableObject<Env> {
  private rooms = new Map<string, Room>();
  /** Entering awaits other objects, during which other calls run: they queue here instead. */
  private readonly lock = new Mutex();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    useShardLayout(env);
    void ctx.blockConcurrencyWhile(async () => {
      const stored = await ctx.storage.get<Room[]>("rooms");
      this.rooms = new Map((stored ?? []).map((r) => [r.roomId, r]));
    });
  }

  /** One call at a time, its refusals returned as a Result. */
  private serial<T>(fn: () => Promise<T>): Promise<Result<T>> {
    return guard(() => this.lock.run(fn));
  }

  /** Puts the caller in the nearest open room with this code within the radius, or opens one. */
  async join(code: string, user: FaceToFaceUser, at: { latitude: number; longitude: number }): Promise<Result<FaceToFaceRoom>> {
    return this.serial(async () => {
      const now = Date.now();
      this.prune(now);
      const current = [...this.rooms.values()].find((r) => r.members.some((m) => m.userId === user.userId));
      if (current && distanceMeters(current, at) <= G.faceToFaceRadiusMeters) return view(current);
      if (current) await this.removeMember(current, user.userId); // moved away: a fresh start where they are now

      let room: Room | undefined;
      let best = Infinity;
      for (const r of this.rooms.values()) {
        const d = distanceMeters(r, at);
        if (d <= G.faceToFaceRadiusMeters && d < best) [room, best] = [r, d];
      }
      if (!room) {
        room = { roomId: `f2f_${code}_${randomString(12)}`, code, latitude: at.latitude, longitude: at.longitude, expiresAt: now + G.faceToFaceRoomTtlMs, members: [], conversationId: null };
        this.rooms.set(room.roomId, room);
      }
      room.members.push({ ...user, joinedAt: now, entered: false });
      await this.save();
      this.announce(room);
      return view(room);
    });
  }

  /** The first to enter creates the group; everyone who enters after joins it. */
  async enter(roomId: string, userId: string): Promise<Result<FaceToFaceRoom>> {
    return this.serial(async () => {
      const room = this.liveRoom(roomId);
      const me = room.members.find((m) => m.userId === userId);
      if (!me) throw new ApiError("forbidden", "Join the room with its code first");
      if (!me.entered) {
        if (room.conversationId === null) {
          const id = newId("c");
          unwrap(await conversationObject(this.env, id).createGroup({ id, name: `Face-to-face ${room.code}`, ownerId: userId, memberIds: [] }));
          room.conversationId = id;
        } else {
          unwrap(await conversationObject(this.env, room.conversationId).joinFaceToFace(userId));
        }
        me.entered = true;
        await this.save();
        this.announce(room);
      }
      return view(room);
    });
  }

  async leave(roomId: string, userId: string): Promise<Result<null>> {
    return this.serial(async () => {
      const room = this.liveRoom(roomId);
      if (room.members.some((m) => m.userId === userId)) await this.removeMember(room, userId);
      return null;
    });
  }

  override async alarm() {
    await this.lock.run(async () => {
      this.prune(Date.now());
      await this.save();
    });
  }

  private liveRoom(roomId: string): Room {
    const room = this.rooms.get(roomId);
    if (!room) throw new ApiError("not_found", "No such face-to-face room");
    if (room.expiresAt <= Date.now()) throw new ApiError("room_expired", "This face-to-face code has expired; type it again to start over");
    return room;
  }

  private async removeMember(room: Room, userId: string) {
    room.members = room.members.filter((m) => m.userId !== userId);
    if (room.members.length === 0) this.rooms.delete(room.roomId);
    await this.save();
    if (room.members.length > 0) this.announce(room);
  }

  private prune(now: number) {
    for (const [id, r] of this.rooms) if (r.expiresAt <= now) this.rooms.delete(id);
  }

  private async save() {
    const rooms = [...this.rooms.values()];
    await this.ctx.storage.put("rooms", rooms);
    if (rooms.length > 0) await this.ctx.storage.setAlarm(Math.min(...rooms.map((r) => r.expiresAt)));
    else await this.ctx.storage.deleteAlarm();
  }

  /** Everyone in the room sees the same list, live over their sockets. */
  private announce(room: Room) {
    const frame = JSON.stringify({ type: "face_to_face", room: view(room) } satisfies ServerFrame);
    const byShard = groupByShard(room.members.map((m) => m.userId));
    this.ctx.waitUntil(Promise.allSettled([...byShard].map(([shard, ids]) => gateway(this.env, shard).push(ids, [frame]))));
  }
}

function view(r: Room): FaceToFaceRoom {
  const members: FaceToFaceMember[] = r.members.map((m) => ({ userId: m.userId, nickname: m.nickname, avatarMediaId: m.avatarMediaId, joinedAt: m.joinedAt, entered: m.entered }));
  return { roomId: r.roomId, code: r.code, expiresAt: r.expiresAt, members, conversationId: r.conversationId };
}
