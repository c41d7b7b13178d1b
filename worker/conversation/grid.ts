// The group avatar WeChat makes when a group has no picture of its own: the first nine members'
// faces in a grid (worker/lib/image/grid.ts), made here once and stored in R2 as media, so every
// device shows the same picture. A change of membership, or of a member's picture or name, asks
// for a new grid (`gridChanged`); the object's alarm makes it a moment later, so a burst of joins
// makes one grid, off every request's path. The old grid is deleted from R2 once replaced.
import { eq, inArray } from "drizzle-orm";
import { meta } from "../../schema/conversation";
import { conversations, users } from "../../schema/d1";
import type { ServerFrame } from "../../schema/protocol";
import { faceKey, mediaKey } from "../data/media";
import { db as d1 } from "../db";
import { sha256Hex } from "../lib/crypto";
import { newId } from "../lib/ids";
import { decodeFace, type Face } from "../lib/image/face";
import { cellSize, GRID, initialOf, type Placeholder, renderGrid } from "../lib/image/grid";
import type { ConversationState } from "./state";

/** How long after a change the grid is made: changes within it make one grid. */
export const GRID_DELAY_MS = 2000;

/** The members a grid shows, in order: by when they joined, the owner first among those who came together. */
export function gridMembers(s: ConversationState): string[] {
  return [...s.members.values()]
    .sort((a, b) => a.joinedAt - b.joinedAt || (a.role === "owner" ? -1 : b.role === "owner" ? 1 : a.userId < b.userId ? -1 : 1))
    .slice(0, GRID.max)
    .map((m) => m.userId);
}

/** When each object's grid alarm is due (lost when the object sleeps: then the next change sets it anew). */
const due = new WeakMap<ConversationState, number>();

/**
 * Asks for a new grid (in a group without a picture of its own): the alarm makes it shortly. An
 * alarm already due makes this change's grid too, so a burst of changes makes one grid. The
 * alarm is set before the caller's reply leaves (the output gate waits for it).
 */
export function gridChanged(s: ConversationState) {
  const m = s.meta;
  if (!m || m.kind !== "group" || m.avatarMediaId !== null || m.dissolvedAt !== null) return;
  if (due.has(s)) return;
  const at = Date.now() + (Number(s.env.GROUP_GRID_DELAY_MS) || GRID_DELAY_MS);
  due.set(s, at);
  s.ctx.storage.setAlarm(at).catch((e) => console.error(JSON.stringify({ msg: "grid alarm not set", conversation: m.id, error: String(e) })));
}

/** The alarm fired: changes from now on ask for another grid. */
export function gridDue(s: ConversationState) {
  due.delete(s);
}

/** A member's picture or name changed: a new grid if they are in it. */
export function profileChanged(s: ConversationState, userId: string) {
  if (gridMembers(s).includes(userId)) gridChanged(s);
}

/**
 * Makes the grid (the alarm calls this under the membership mutex). Nothing happens when the
 * group has its own picture, is dissolved, or its faces are what the current grid was made of.
 */
export async function makeGrid(s: ConversationState): Promise<{ mediaId: string | null; made: boolean }> {
  const m = s.meta;
  if (!m || m.kind !== "group" || m.avatarMediaId !== null || m.dissolvedAt !== null) return { mediaId: m?.gridMediaId ?? null, made: false };
  const ids = gridMembers(s);
  const profiles = new Map<string, { nickname: string; avatarMediaId: string | null }>();
  if (ids.length > 0) {
    for (const u of await d1(s.env).select({ id: users.id, nickname: users.nickname, avatarMediaId: users.avatarMediaId }).from(users).where(inArray(users.id, ids)).all()) profiles.set(u.id, u);
  }
  const faces = ids.map((id) => ({ id, avatarMediaId: profiles.get(id)?.avatarMediaId ?? null, initial: initialOf(profiles.get(id)?.nickname ?? "") }));
  // A name shows only on a tile without a picture: renaming someone with a picture changes nothing.
  const key = await sha256Hex(JSON.stringify(faces.map((f) => [f.id, f.avatarMediaId, f.avatarMediaId ? "" : f.initial])));
  if (key === m.gridKey && m.gridMediaId !== null) return { mediaId: m.gridMediaId, made: false };

  const cell = cellSize(faces.length);
  const tiles = await Promise.all(faces.map((f) => tileOf(s, f, cell)));
  const bytes = renderGrid(tiles);
  const mediaId = newId("md");
  const sha256 = await sha256Hex(bytes);
  await s.env.MEDIA.put(mediaKey(mediaId), bytes, {
    sha256,
    httpMetadata: { contentType: "image/jpeg", contentDisposition: "inline" },
    customMetadata: { sha256, kind: "image", grid: m.id },
  });
  try {
    await d1(s.env).update(conversations).set({ gridMediaId: mediaId }).where(eq(conversations.id, m.id));
  } catch (e) {
    await s.env.MEDIA.delete(mediaKey(mediaId));
    throw e;
  }
  const old = m.gridMediaId;
  s.sql.update(meta).set({ gridMediaId: mediaId, gridKey: key }).run();
  s.meta = { ...m, gridMediaId: mediaId, gridKey: key };
  if (old) await s.env.MEDIA.delete(mediaKey(old));
  // Devices showing the list take the new picture now; the others get it with their next list.
  const frame: ServerFrame = { type: "conversation", conversationId: m.id, changes: { avatarMediaId: mediaId } };
  s.fanout.pushTo([...s.members.keys()], frame);
  return { mediaId, made: true };
}

/**
 * A member's face at the cell's size; a placeholder tile when they have none we can draw. A face
 * once decoded is kept in R2 (faceKey), so a grid remade after one join decodes one picture.
 */
async function tileOf(s: ConversationState, f: { id: string; avatarMediaId: string | null; initial: string }, cell: number): Promise<Face | Placeholder> {
  const placeholder = { seed: f.id, initial: f.initial };
  if (!f.avatarMediaId) return placeholder;
  try {
    const kept = await s.env.MEDIA.get(faceKey(f.avatarMediaId, cell));
    if (kept) {
      const rgb = new Uint8Array(await kept.arrayBuffer());
      if (rgb.length === cell * cell * 3) return { cell, rgb };
    }
    const object = await s.env.MEDIA.get(mediaKey(f.avatarMediaId));
    if (!object) return placeholder;
    const face = await decodeFace(new Uint8Array(await object.arrayBuffer()), cell);
    await s.env.MEDIA.put(faceKey(f.avatarMediaId, cell), face.rgb, { customMetadata: { face: f.avatarMediaId } });
    return face;
  } catch (e) {
    console.error(JSON.stringify({ msg: "grid face not drawn", conversation: s.meta?.id, media: f.avatarMediaId, error: String(e) }));
    return placeholder;
  }
}
