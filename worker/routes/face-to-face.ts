// Face-to-face groups: type a 4-digit code with your location, wait in the room, enter.
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { users } from "../../schema/d1";
import { faceToFaceJoinBody, faceToFaceRoomId } from "../../schema/groups";
import { db } from "../db";
import type { AppEnv } from "../env";
import { ApiError } from "../lib/errors";
import { unwrap } from "../lib/result";
import { jsonBody } from "../lib/validate";
import { requireAuth } from "../middleware/auth";
import { faceToFaceObject } from "../objects/face-to-face";

/** Room ids carry their code (f2f_<code>_<random>), which names the object that holds them. */
function room(raw: string): { roomId: string; code: string } {
  const r = faceToFaceRoomId.safeParse(raw);
  if (!r.success) throw new ApiError("not_found", "No such face-to-face room");
  return { roomId: r.data, code: r.data.slice(4, 8) };
}

export const faceToFaceRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .post("/rooms", jsonBody(faceToFaceJoinBody), async (c) => {
    const { code, latitude, longitude } = c.req.valid("json");
    const userId = c.get("auth").userId;
    const me = await db(c.env).select({ nickname: users.nickname, avatarMediaId: users.avatarMediaId }).from(users).where(eq(users.id, userId)).get();
    if (!me) throw new ApiError("unauthorized", "Sign in again");
    return c.json(unwrap(await faceToFaceObject(c.env, code).join(code, { userId, ...me }, { latitude, longitude })));
  })
  .post("/rooms/:roomId/enter", async (c) => {
    const { roomId, code } = room(c.req.param("roomId"));
    return c.json(unwrap(await faceToFaceObject(c.env, code).enter(roomId, c.get("auth").userId)));
  })
  .delete("/rooms/:roomId/members/me", async (c) => {
    const { roomId, code } = room(c.req.param("roomId"));
    unwrap(await faceToFaceObject(c.env, code).leave(roomId, c.get("auth").userId));
    return c.body(null, 204);
  });
