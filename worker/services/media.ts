// size: one service for media end to end (store, sign, list, delete, purge); its D1 rules are in data/media.ts.
// Media on R2: uploads (checked from their bytes), quotas, download URLs, deletion. What a message
// may carry and the refs it leaves are data/media.ts (the conversation object needs them too).
// D1's `media` row is the index (owner, kind, size, sha256); `media_refs` records the
// conversations and seqs a media was sent at, which is what lets other members fetch it.
import { and, desc, eq, gte, inArray, isNull, lt, notExists, sql } from "drizzle-orm";
import { conversations, media, mediaRefs, memberships, momentMedia, momentSettings, users, type Media } from "../../schema/d1";
import { MEDIA_LIMITS } from "../../schema/limits";
import { maxBytesFor, type MediaInfo, type MediaKind, type MediaUrl, type MediaUrlsResponse, type UploadFields } from "../../schema/media";
import { faceKeys, loadMedia, mediaKey } from "../data/media";
import { visiblePostMedia } from "../data/moments";
import { db, type Db } from "../db";
import type { Env } from "../env";
import { sha256Hex } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { signMediaUrl, urlExpiry } from "../lib/media-url";
import { unwrap } from "../lib/result";
import { conversationObject } from "../lib/shards";
import { sniff } from "../lib/sniff";
import { batch, inChunks } from "../lib/sql";
import { giveBack, take, type Limit, type Taken } from "./ratelimit";

export const r2Key = mediaKey;

const FORMATS: Record<Exclude<MediaKind, "file">, string> = {
  image: "JPEG, PNG, GIF, WebP or HEIC",
  voice: "AAC, M4A, MP3, WAV, AMR or SILK",
  video: "MP4, MOV or 3GP",
};

export function toMediaInfo(m: Media): MediaInfo {
  return {
    id: m.id,
    kind: m.kind,
    contentType: m.contentType,
    size: m.size,
    sha256: m.sha256,
    name: m.name,
    width: m.width,
    height: m.height,
    durationMs: m.durationMs,
    previewOf: m.previewOf,
    createdAt: m.createdAt,
  };
}

// ---- quotas -----------------------------------------------------------------------------

const uploadsLimit = (userId: string): Limit => ({
  key: `media-uploads:${userId}`,
  max: MEDIA_LIMITS.uploadsPerHour,
  windowSeconds: 3600,
  message: `You can upload ${MEDIA_LIMITS.uploadsPerHour} files an hour; try again later`,
});
const uploadBytesLimit = (userId: string, amount: number): Limit => ({
  key: `media-bytes:${userId}`,
  max: MEDIA_LIMITS.uploadBytesPerDay,
  windowSeconds: 24 * 3600,
  amount,
  message: `You can upload ${MEDIA_LIMITS.uploadBytesPerDay} bytes a day; try again later`,
});

/** What one upload has counted against its uploader so far: given back if it is not stored. */
export interface UploadQuota {
  userId: string;
  count: Taken[];
  bytes: Taken[];
}

/**
 * Before reading an upload: counts it and reserves its declared length against the uploader's
 * hourly count and daily bytes, refusing with 429 when either is used up. Counting first is what
 * keeps parallel uploads within the quota; `releaseUpload` gives it all back if nothing is stored.
 */
export async function reserveUpload(env: Env, userId: string, declaredBytes: number): Promise<UploadQuota> {
  const taken = await take(db(env), [uploadsLimit(userId), uploadBytesLimit(userId, Math.max(1, declaredBytes))]);
  return { userId, count: taken.slice(0, 1), bytes: taken.slice(1) };
}

/** Once the bytes are known: reserves what the declared length did not cover, gives back the rest. */
async function settleUploadBytes(d: Db, quota: UploadQuota, actual: number): Promise<void> {
  const reserved = quota.bytes.reduce((sum, t) => sum + t.amount, 0);
  if (actual > reserved) {
    quota.bytes.push(...(await take(d, [uploadBytesLimit(quota.userId, actual - reserved)])));
  } else if (actual < reserved) {
    const last = quota.bytes.at(-1)!;
    const excess = Math.min(reserved - actual, last.amount);
    await giveBack(d, [{ ...last, amount: excess }]);
    last.amount -= excess;
  }
}

/** An upload that was refused or failed after `reserveUpload`: its count and bytes go back. */
export async function releaseUpload(env: Env, quota: UploadQuota): Promise<void> {
  await giveBack(db(env), [...quota.count, ...quota.bytes]);
}

// ---- upload -----------------------------------------------------------------------------

/** The most bytes worth reading for an upload, before its fields (and so its kind) are known. */
export function uploadCap(fields: Partial<UploadFields>, multipart: boolean): number {
  const max = fields.previewOf
    ? MEDIA_LIMITS.previewBytes
    : fields.kind
      ? maxBytesFor(fields.kind)
      : Math.max(MEDIA_LIMITS.imageBytes, MEDIA_LIMITS.voiceBytes, MEDIA_LIMITS.videoBytes, MEDIA_LIMITS.fileBytes);
  return max + (multipart ? MEDIA_LIMITS.multipartOverheadBytes : 0);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it strips from file names
const CONTROL_AND_QUOTES = /[\u0000-\u001f\u007f"]/g;

/** A file name safe to store and to echo in Content-Disposition: no path, no control characters. */
export function cleanName(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const base = raw.split(/[/\\]/).pop() ?? "";
  const clean = base.replace(CONTROL_AND_QUOTES, "").trim().slice(0, MEDIA_LIMITS.fileNameChars);
  return clean.length > 0 ? clean : null;
}

/** RFC 6266: an ASCII fallback plus the exact UTF-8 name, percent-encoded. */
export function contentDisposition(kind: MediaKind, name: string | null): string {
  if (kind !== "file") return "inline";
  if (!name) return "attachment";
  const fallback = name.replace(/[^\x20-\x7e]/g, "_").replace(/[\\"%;]/g, "_");
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * Checks an upload from its bytes and stores it: R2 first, then the D1 row (the R2 object is
 * removed again if that fails), so a refused or failed upload leaves nothing behind.
 */
export async function storeUpload(env: Env, ownerId: string, bytes: Uint8Array, fields: UploadFields, partFilename: string | null, quota: UploadQuota): Promise<MediaInfo> {
  if (bytes.length === 0) throw new ApiError("empty_upload", "The upload has no bytes");
  if (fields.size !== undefined && fields.size !== bytes.length) {
    throw new ApiError("incomplete_upload", `Expected ${fields.size} bytes but received ${bytes.length}; send it again`);
  }
  const found = sniff(bytes);
  let kind: MediaKind;
  let contentType: string;
  let complete: boolean | null;
  if (fields.kind === "file") {
    // Any file may be sent as a file; it is served as what its bytes are, or as opaque bytes.
    kind = "file";
    contentType = found[0]?.contentType ?? "application/octet-stream";
    complete = found[0]?.complete ?? null;
  } else {
    const match = fields.kind ? found.find((d) => d.kind === fields.kind) : found.find((d) => d.kind !== null);
    if (fields.kind && !match) throw new ApiError("unsupported_media_type", `That is not a ${fields.kind} we accept: send ${FORMATS[fields.kind]}`);
    kind = match?.kind ?? "file";
    contentType = match?.contentType ?? found[0]?.contentType ?? "application/octet-stream";
    complete = match?.complete ?? null;
  }
  if (bytes.length > maxBytesFor(kind)) throw new ApiError("payload_too_large", `${kind} uploads are limited to ${maxBytesFor(kind)} bytes`);
  if (complete === false) throw new ApiError("incomplete_upload", "The file is cut off or damaged; send it again");

  const d = db(env);
  if (fields.previewOf) {
    if (kind !== "image") throw new ApiError("unsupported_media_type", `A thumbnail or poster must be an image: send ${FORMATS.image}`);
    if (bytes.length > MEDIA_LIMITS.previewBytes) throw new ApiError("payload_too_large", `Thumbnails and posters are limited to ${MEDIA_LIMITS.previewBytes} bytes`);
    const original = await d
      .select()
      .from(media)
      .where(and(eq(media.id, fields.previewOf), eq(media.ownerId, ownerId)))
      .get();
    if (!original) throw new ApiError("invalid_request", "previewOf: no such media of yours");
    if ((original.kind !== "image" && original.kind !== "video") || original.previewOf !== null) {
      throw new ApiError("invalid_request", "previewOf: only pictures and videos have thumbnails or posters");
    }
  }

  const id = newId("md");
  const sha256 = await sha256Hex(bytes);
  const name = cleanName(fields.name ?? partFilename);
  const key = r2Key(id);
  await settleUploadBytes(d, quota, bytes.length);
  await env.MEDIA.put(key, bytes, {
    sha256, // R2 checks the bytes it stored against this
    httpMetadata: { contentType, contentDisposition: contentDisposition(kind, name) },
    customMetadata: { ownerId, sha256, kind },
  });
  try {
    const [row] = await d
      .insert(media)
      .values({
        id,
        ownerId,
        kind,
        contentType,
        size: bytes.length,
        sha256,
        r2Key: key,
        name,
        width: fields.width ?? null,
        height: fields.height ?? null,
        durationMs: fields.durationMs ?? null,
        previewOf: fields.previewOf ?? null,
      })
      .returning();
    return toMediaInfo(row!);
  } catch (e) {
    await env.MEDIA.delete(key);
    throw e;
  }
}

// ---- references from messages and profiles ---------------------------------------------

/** For avatars (a user's own, a group's): a picture the caller uploaded. */
export async function requireOwnImage(env: Env, userId: string, mediaId: string): Promise<Media> {
  const row = (await loadMedia(env, [mediaId])).get(mediaId);
  if (!row || row.ownerId !== userId) throw new ApiError("forbidden", "avatarMediaId: use a picture you uploaded");
  if (row.kind !== "image" || row.previewOf !== null) throw new ApiError("invalid_request", "avatarMediaId: an avatar must be a picture");
  return row;
}

// ---- download URLs ----------------------------------------------------------------------

/**
 * URLs for the media the caller may fetch: their own uploads; with a conversation they belong
 * to (not dissolved), what was sent there from the point their history starts and is not
 * recalled; anyone's current avatar (profiles and group cards show them to non-members); and the
 * grid avatar of a group they are in.
 */
export async function grantUrls(env: Env, userId: string, origin: string, mediaIds: string[], conversationId?: string): Promise<MediaUrlsResponse> {
  const d = db(env);
  const ids = [...new Set(mediaIds)];
  const rows = await loadMedia(env, ids);
  const allowed = new Set([...rows.values()].filter((r) => r.ownerId === userId).map((r) => r.id));
  let rest = [...rows.keys()].filter((id) => !allowed.has(id));

  if (conversationId) {
    const member = await d
      .select({ visibleFromSeq: memberships.visibleFromSeq, dissolvedAt: conversations.dissolvedAt })
      .from(memberships)
      .innerJoin(conversations, eq(conversations.id, memberships.conversationId))
      .where(and(eq(memberships.conversationId, conversationId), eq(memberships.userId, userId)))
      .get();
    if (!member) throw new ApiError("forbidden", "You are not a member of this conversation");
    if (member.dissolvedAt === null) {
      for (const part of inChunks(rest)) {
        const refs = await d
          .selectDistinct({ mediaId: mediaRefs.mediaId })
          .from(mediaRefs)
          .where(and(eq(mediaRefs.conversationId, conversationId), inArray(mediaRefs.mediaId, part), gte(mediaRefs.seq, member.visibleFromSeq)))
          .all();
        for (const r of refs) allowed.add(r.mediaId);
      }
      rest = rest.filter((id) => !allowed.has(id));
    }
  }
  // Pictures (and thumbnails, video, poster) of a Moments post the caller may see, and Moments covers
  // (shown on anyone's album, as avatars are).
  if (rest.length > 0) {
    for (const id of await visiblePostMedia(d, userId, rest, Date.now())) allowed.add(id);
    for (const part of inChunks(rest.filter((id) => !allowed.has(id)))) {
      for (const r of await d.select({ id: momentSettings.coverMediaId }).from(momentSettings).where(inArray(momentSettings.coverMediaId, part)).all()) allowed.add(r.id!);
    }
    rest = rest.filter((id) => !allowed.has(id));
  }
  for (const part of inChunks(rest)) {
    for (const r of await d.select({ id: users.avatarMediaId }).from(users).where(inArray(users.avatarMediaId, part)).all()) allowed.add(r.id!);
    for (const r of await d.select({ id: conversations.avatarMediaId }).from(conversations).where(inArray(conversations.avatarMediaId, part)).all()) allowed.add(r.id!);
  }

  // A group's grid of faces (no media row: the group's object made it) is for its members only.
  for (const part of inChunks(ids.filter((id) => !rows.has(id)))) {
    const grids = await d
      .select({ id: conversations.gridMediaId })
      .from(conversations)
      .innerJoin(memberships, and(eq(memberships.conversationId, conversations.id), eq(memberships.userId, userId)))
      .where(inArray(conversations.gridMediaId, part))
      .all();
    for (const r of grids) allowed.add(r.id!);
  }

  const expiresAt = urlExpiry();
  const urls: MediaUrl[] = [];
  for (const id of ids) {
    if (allowed.has(id)) urls.push({ mediaId: id, url: await signMediaUrl(env, origin, id, expiresAt), expiresAt: expiresAt * 1000 });
  }
  return { urls, denied: ids.filter((id) => !allowed.has(id)) };
}

// ---- listing and deletion ---------------------------------------------------------------

export async function listOwnMedia(env: Env, userId: string, q: { before?: number; limit?: number }): Promise<MediaInfo[]> {
  const rows = await db(env)
    .select()
    .from(media)
    .where(and(eq(media.ownerId, userId), isNull(media.deletedAt), q.before ? lt(media.createdAt, q.before) : undefined))
    .orderBy(desc(media.createdAt))
    .limit(q.limit ?? 50)
    .all();
  return rows.map(toMediaInfo);
}

/** Moderation: deletes media judged to break the rules (bytes, index, refs, avatars). */
export const purgeMedia = (env: Env, ownerId: string | null, ids: string[]) => purge(env, ownerId, ids);

/**
 * R2 first, so the bytes are gone even if the index update fails; then rows, refs and the
 * user's avatar. A group avatar lives in its conversation object too, which clears both copies.
 */
async function purge(env: Env, userId: string | null, ids: string[]) {
  const d = db(env);
  for (const part of inChunks(ids)) {
    // The picture, and the faces group grids kept of it (data/media.ts faceKeys).
    await env.MEDIA.delete(part.flatMap((id) => [r2Key(id), ...faceKeys(id)]));
    const groups = await d.select({ id: conversations.id }).from(conversations).where(inArray(conversations.avatarMediaId, part)).all();
    await Promise.all(groups.map(async (g) => unwrap(await conversationObject(env, g.id).avatarDeleted(part))));
    await batch(d, [
      d.delete(mediaRefs).where(inArray(mediaRefs.mediaId, part)),
      d.delete(media).where(inArray(media.id, part)),
      d.update(momentSettings).set({ coverMediaId: null }).where(inArray(momentSettings.coverMediaId, part)),
      ...(userId
        ? [
            d
              .update(users)
              .set({ avatarMediaId: null })
              .where(and(eq(users.id, userId), inArray(users.avatarMediaId, part))),
          ]
        : []),
    ]);
  }
}

/** Deletes one of the caller's uploads together with its thumbnails or posters. */
export async function deleteMedia(env: Env, userId: string, mediaId: string): Promise<{ deleted: string[] }> {
  const d = db(env);
  const row = await d
    .select({ id: media.id })
    .from(media)
    .where(and(eq(media.id, mediaId), eq(media.ownerId, userId)))
    .get();
  if (!row) throw new ApiError("not_found", "No such media of yours");
  const previews = await d
    .select({ id: media.id })
    .from(media)
    .where(and(eq(media.previewOf, mediaId), eq(media.ownerId, userId)))
    .all();
  const ids = [row.id, ...previews.map((p) => p.id)];
  await purge(env, userId, ids);
  return { deleted: ids };
}

/** Everything an account uploaded (for "clear my media" and for account deletion). */
export async function deleteAllMedia(env: Env, userId: string): Promise<{ deleted: number }> {
  const d = db(env);
  let deleted = 0;
  for (;;) {
    const page = await d.select({ id: media.id }).from(media).where(eq(media.ownerId, userId)).limit(450).all();
    if (page.length === 0) return { deleted };
    await purge(
      env,
      userId,
      page.map((r) => r.id),
    );
    deleted += page.length;
  }
}

/**
 * Daily: uploads older than MEDIA_LIMITS.unsentDays that were never sent anywhere and are nobody's
 * avatar (abandoned chats, cancelled sends) are deleted, so R2 holds only what someone can see.
 */
export async function purgeUnsentMedia(env: Env, now = Date.now()): Promise<number> {
  const d = db(env);
  const cutoff = now - MEDIA_LIMITS.unsentDays * 24 * 3600 * 1000;
  let purged = 0;
  for (let round = 0; round < 20; round++) {
    const page = await d
      .select({ id: media.id })
      .from(media)
      .where(
        and(
          lt(media.createdAt, cutoff),
          notExists(d.select({ one: sql`1` }).from(mediaRefs).where(eq(mediaRefs.mediaId, media.id))),
          notExists(d.select({ one: sql`1` }).from(users).where(eq(users.avatarMediaId, media.id))),
          notExists(d.select({ one: sql`1` }).from(conversations).where(eq(conversations.avatarMediaId, media.id))),
          // Pictures in a Moments post stay as long as the post; a cover as long as it is one.
          notExists(d.select({ one: sql`1` }).from(momentMedia).where(eq(momentMedia.mediaId, media.id))),
          notExists(d.select({ one: sql`1` }).from(momentSettings).where(eq(momentSettings.coverMediaId, media.id))),
        ),
      )
      .limit(450)
      .all();
    if (page.length === 0) break;
    await purge(
      env,
      null,
      page.map((r) => r.id),
    );
    purged += page.length;
  }
  return purged;
}
