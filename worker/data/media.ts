// Which media a message may carry and where media was sent: read and written by the conversation
// object as it appends, recalls and forwards messages, and by the media service for avatars and
// download URLs. `media_refs` rows are what let other members of a conversation fetch a media.
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { media, mediaRefs, type Media } from "../../schema/d1";
import type { MessageType } from "../../schema/protocol";
import { db } from "../db";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import { cellSize } from "../lib/image/grid";
import { inChunks } from "../lib/sql";

/** Where a media's bytes live in R2 (uploads, and the group grids the conversation objects make). */
export const mediaKey = (mediaId: string) => `media/${mediaId}`;

/** A picture's face as a group grid draws it, `cell` pixels square (raw RGB), kept beside the picture. */
export const faceKey = (mediaId: string, cell: number) => `faces/${mediaId}/${cell}`;

/** Every face kept of a picture: one per cell size a grid uses (1, 2–4 and 5–9 faces). */
export const faceKeys = (mediaId: string) => [1, 2, 5].map((n) => faceKey(mediaId, cellSize(n)));

/** The media a message body points at (the main media first, then its thumbnail or poster). */
export function mediaIdsOf(type: MessageType, body: Record<string, unknown> | null): string[] {
  // A contact card carries the picture of the person shared, as it was when it was sent.
  if (type === "card") return typeof body?.avatarMediaId === "string" ? [body.avatarMediaId] : [];
  if (!body || (type !== "image" && type !== "voice" && type !== "video" && type !== "file")) return [];
  return [body.mediaId, body.thumbMediaId, body.posterMediaId].filter((v): v is string => typeof v === "string");
}

/** The media rows not deleted among `ids`, by id. */
export async function loadMedia(env: Env, ids: string[]): Promise<Map<string, Media>> {
  const d = db(env);
  const out = new Map<string, Media>();
  for (const part of inChunks([...new Set(ids)])) {
    for (const row of await d
      .select()
      .from(media)
      .where(and(inArray(media.id, part), isNull(media.deletedAt)))
      .all())
      out.set(row.id, row);
  }
  return out;
}

/**
 * A message may only carry media its sender uploaded, of the kind its type says; a thumbnail
 * or poster must be the picture uploaded as that media's preview. Returns the ids to record.
 */
export async function checkMessageMedia(env: Env, senderId: string, type: MessageType, body: Record<string, unknown>): Promise<string[]> {
  const ids = mediaIdsOf(type, body);
  if (ids.length === 0) return ids;
  const rows = await loadMedia(env, ids);
  const own = (id: string, what: string) => {
    const row = rows.get(id);
    if (!row || row.ownerId !== senderId) throw new ApiError("forbidden", `${what}: you can only send media you uploaded`);
    return row;
  };
  const main = own(body.mediaId as string, "mediaId");
  if (main.previewOf !== null) throw new ApiError("invalid_request", "mediaId: that is a thumbnail, not the media itself");
  if (type !== "file" && main.kind !== type) throw new ApiError("invalid_request", `mediaId: a ${type} message needs ${type} media, not ${main.kind}`);
  if (type === "file" && body.size !== main.size) throw new ApiError("invalid_request", `size: the file has ${main.size} bytes`);
  for (const field of ["thumbMediaId", "posterMediaId"] as const) {
    const previewId = body[field];
    if (typeof previewId !== "string") continue;
    if (own(previewId, field).previewOf !== main.id) throw new ApiError("invalid_request", `${field}: upload it with previewOf=${main.id}`);
  }
  return ids;
}

/**
 * A forward carries media the forwarder could read but did not upload: the picture, voice, video
 * or file itself must still exist; a deleted thumbnail or poster is left out of the record.
 */
export async function checkForwardMedia(env: Env, mediaIds: string[]): Promise<string[]> {
  const rows = await loadMedia(env, mediaIds);
  if (!rows.has(mediaIds[0]!)) throw new ApiError("not_found", "The media in that message was deleted by its sender");
  return mediaIds.filter((id) => rows.has(id));
}

/** Those of `mediaIds` not deleted (what a contact card's picture may still record). */
export async function existingMedia(env: Env, mediaIds: string[]): Promise<string[]> {
  const rows = await loadMedia(env, mediaIds);
  return mediaIds.filter((id) => rows.has(id));
}

/**
 * Records where media was sent. Called after the message is appended, so it must not fail on
 * media deleted since the check: only ids still in `media` are recorded (deleted ones have no
 * bytes to fetch anyway).
 */
export async function recordRefs(env: Env, conversationId: string, seq: number, mediaIds: string[]) {
  if (mediaIds.length === 0) return;
  await db(env).run(
    sql`insert into ${mediaRefs} (media_id, conversation_id, seq) select ${media.id}, ${conversationId}, ${seq} from ${media} where ${inArray(media.id, [...new Set(mediaIds)])} on conflict do nothing`,
  );
}

/** A recalled message's media stops being reachable through that conversation. */
export async function dropRefs(env: Env, conversationId: string, seq: number) {
  await db(env)
    .delete(mediaRefs)
    .where(and(eq(mediaRefs.conversationId, conversationId), eq(mediaRefs.seq, seq)));
}
