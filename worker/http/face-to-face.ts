// Face-to-face groups: type a 4-digit code with your location, wait in the room, enter.
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { faceToFaceSeats, users } from "../../schema/d1";
import { faceToFaceJoinBody, faceToFaceRoomId } from "../../schema/groups";
import { GROUP_LIMITS } from "../../schema/limits";
import { db } from "../db";
import type { AppEnv } from "../env";
import { ApiError } from "../lib/errors";
import { unwrap } from "../lib/result";
import { jsonBody, pathParams } from "./validate";
import { requireAuth } from "./middleware";
import { faceToFaceObject } from "../face-to-face/object";
import { take } from "../services/ratelimit";
import { faceToFaceRoom } from "../../schema/groups";
import { doc } from "./openapi";

/** Room ids carry their code (f2f_<code>_<random>), which names the object that holds them. */
const roomParams = pathParams(z.object({ roomId: faceToFaceRoomId.transform((roomId) => ({ roomId, code: roomId.slice(4, 8) })) }), { roomId: "No such face-to-face room" });

export const faceToFaceRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .post(
    "/rooms",
    doc({ summary: "Join the waiting room of a 4-digit code near you", responses: { 200: faceToFaceRoom }, errors: [429], see: "docs/groups.md" }),
    jsonBody(faceToFaceJoinBody),
    async (c) => {
      const { code, latitude, longitude } = c.req.valid("json");
      const userId = c.get("auth").userId;
      const d = db(c.env);
      // Counted before any room is touched: 4-digit codes must not be swept.
      await take(d, [
        {
          key: `face-to-face:${userId}`,
          max: GROUP_LIMITS.faceToFaceCodesPerMinute,
          windowSeconds: 60,
          message: `You can try ${GROUP_LIMITS.faceToFaceCodesPerMinute} face-to-face codes a minute; wait a moment`,
        },
      ]);
      const me = await d.select({ nickname: users.nickname, avatarMediaId: users.avatarMediaId }).from(users).where(eq(users.id, userId)).get();
      if (!me) throw new ApiError("unauthorized", "Sign in again");
      const room = unwrap(await faceToFaceObject(c.env, code).join(code, { userId, ...me }, { latitude, longitude }));
      // One waiting room per person: the seat swaps in one transaction, so of racing joins each
      // sees the seat the one before it took, and leaves that room.
      const [[previous]] = await d.batch([
        d.select().from(faceToFaceSeats).where(eq(faceToFaceSeats.userId, userId)),
        d
          .insert(faceToFaceSeats)
          .values({ userId, code, roomId: room.roomId, joinedAt: Date.now() })
          .onConflictDoUpdate({ target: faceToFaceSeats.userId, set: { code, roomId: room.roomId, joinedAt: Date.now() } }),
      ]);
      // The same code's object already moved them itself; a room that expired meanwhile is gone anyway.
      if (previous && previous.code !== code) await faceToFaceObject(c.env, previous.code).leave(previous.roomId, userId);
      return c.json(room);
    },
  )
  .post("/rooms/:roomId/enter", doc({ summary: "Enter: make or join the room's group", responses: { 200: faceToFaceRoom }, errors: [403, 409, 410] }), roomParams, async (c) => {
    const { roomId, code } = c.req.valid("param").roomId;
    return c.json(unwrap(await faceToFaceObject(c.env, code).enter(roomId, c.get("auth").userId)));
  })
  .delete("/rooms/:roomId/members/me", doc({ summary: "Leave the waiting room", responses: { 204: null }, errors: [410] }), roomParams, async (c) => {
    const { roomId, code } = c.req.valid("param").roomId;
    unwrap(await faceToFaceObject(c.env, code).leave(roomId, c.get("auth").userId));
    return c.body(null, 204);
  });
