// Media on R2: upload fields, URL requests and the views the client gets back.
import { z } from "zod";
import { MEDIA_LIMITS } from "./limits";
import { conversationId, mediaId } from "./protocol";

export const MEDIA_KINDS = ["image", "voice", "video", "file"] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

/** The most bytes an upload of this kind may have. */
export const maxBytesFor = (kind: MediaKind): number => ({ image: MEDIA_LIMITS.imageBytes, voice: MEDIA_LIMITS.voiceBytes, video: MEDIA_LIMITS.videoBytes, file: MEDIA_LIMITS.fileBytes })[kind];

// Form fields arrive as strings (wx.uploadFile's formData, or the query string of a raw upload).
const count = (max: number) => z.coerce.number().int().min(1).max(max);

/**
 * What the client says about an upload. `kind` is what it means to send; the bytes must agree.
 * `size`, when given, is checked against the bytes received (a cut-off upload is refused).
 */
export const uploadFields = z.strictObject({
  kind: z.enum(MEDIA_KINDS).optional(),
  name: z.string().trim().min(1).max(MEDIA_LIMITS.fileNameChars).optional(),
  width: count(20000).optional(),
  height: count(20000).optional(),
  durationMs: z.coerce
    .number()
    .int()
    .min(0)
    .max(10 * 3600 * 1000)
    .optional(),
  size: z.coerce.number().int().min(0).optional(),
  previewOf: mediaId.optional(),
});
export type UploadFields = z.infer<typeof uploadFields>;

export const mediaUrlsBody = z.strictObject({
  conversationId: conversationId.optional(),
  mediaIds: z.array(mediaId).min(1).max(MEDIA_LIMITS.urlsPerRequest),
});

export const mediaListQuery = z.strictObject({
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});

export const mediaInfo = z.object({
  id: z.string(),
  kind: z.enum(MEDIA_KINDS),
  contentType: z.string(),
  size: z.number(),
  sha256: z.string(),
  name: z.string().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  durationMs: z.number().nullable(),
  /** For a thumbnail or video poster: the media it previews. */
  previewOf: z.string().nullable(),
  createdAt: z.number(),
});
export type MediaInfo = z.infer<typeof mediaInfo>;

export const mediaUrl = z.object({
  mediaId: z.string(),
  url: z.string(),
  /** When the URL stops working, in unix milliseconds (as every other expiresAt in the API). */
  expiresAt: z.number(),
});
export type MediaUrl = z.infer<typeof mediaUrl>;

export const mediaUrlsResponse = z.object({
  urls: z.array(mediaUrl),
  /** Ids the caller may not fetch: not theirs, not sent where they can read it, recalled or deleted. */
  denied: z.array(z.string()),
});
export type MediaUrlsResponse = z.infer<typeof mediaUrlsResponse>;

export const mediaList = z.object({ media: z.array(mediaInfo) });
