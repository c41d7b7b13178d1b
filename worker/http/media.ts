// /media: uploads (multipart as wx.uploadFile sends it, or a raw body), signed download URLs,
// the download itself (authorised by the URL's signature, since <image> cannot send headers),
// and deletion of one's own uploads.
import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import { mediaListQuery, mediaUrlsBody, uploadFields, type UploadFields } from "../../schema/media";
import { mediaId as mediaIdSchema } from "../../schema/protocol";
import type { AppEnv } from "../env";
import { ApiError, errorBody } from "../lib/errors";
import { verifyMediaUrl } from "../lib/media-url";
import { boundaryOf, fieldsBeforeFile, parseMultipart } from "../lib/multipart";
import { jsonBody, pathParams, queryParams } from "./validate";
import { requireAuth } from "./middleware";
import { deleteAllMedia, deleteMedia, grantUrls, listOwnMedia, r2Key, releaseUpload, reserveUpload, storeUpload, uploadCap, type UploadQuota } from "../services/media";
import { mediaInfo, mediaList, mediaUrlsResponse } from "../../schema/media";
import { requestMediaCheck } from "../services/content-check";
import { doc } from "./openapi";

const idParams = pathParams(z.object({ id: mediaIdSchema }), { id: "No such media" });

function fieldsFrom(values: Record<string, string>): UploadFields {
  const r = uploadFields.safeParse(values);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ApiError("invalid_request", `${issue.path.join(".") || "fields"}: ${issue.message}`);
  }
  return r.data;
}

/** How far into a multipart body its leading fields are looked for. */
const FIELDS_PREFIX_BYTES = 64 * 1024;

/**
 * Reads the body under a cap: a declared Content-Length over it is refused before reading, a
 * streamed one as soon as it passes. `narrow` may lower the cap once the first bytes say what
 * the upload is (multipart fields ahead of the file); it is asked until it answers.
 */
async function readUpload(req: Request, cap: number, narrow?: (prefix: Uint8Array) => number | null): Promise<Uint8Array> {
  const tooLarge = () => new ApiError("payload_too_large", `The upload exceeds ${cap} bytes for what it says it is`);
  const header = req.headers.get("content-length");
  const declared = header !== null && /^\d{1,15}$/.test(header) ? Number(header) : null;
  if (declared !== null && declared > cap) throw tooLarge();
  if (!req.body) return new Uint8Array();
  // With the length known, the rest lands in one buffer of that size once half has arrived:
  // less held than chunks plus their joined copy, and a client that declares 25 MiB and then
  // trickles cannot make the worker hold more than twice what it really sent.
  let buffer: Uint8Array | null = null;
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = req.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > cap) throw tooLarge();
      if (declared !== null && total > declared) throw new ApiError("invalid_request", "The body is longer than its Content-Length");
      if (buffer) {
        buffer.set(value, total - value.byteLength);
      } else {
        chunks.push(value);
        if (declared !== null && total * 2 >= declared) {
          buffer = new Uint8Array(declared);
          let offset = 0;
          for (const ch of chunks.splice(0)) {
            buffer.set(ch, offset);
            offset += ch.byteLength;
          }
        }
      }
      if (narrow) {
        const narrowed = narrow(buffer ? buffer.subarray(0, total) : join(chunks, total));
        if (narrowed !== null || total >= FIELDS_PREFIX_BYTES) narrow = undefined;
        if (narrowed !== null && narrowed < cap) {
          cap = narrowed;
          if ((declared ?? total) > cap) throw tooLarge();
        }
      }
    }
  } catch (e) {
    await reader.cancel().catch(() => undefined);
    if (e instanceof ApiError) throw e;
    // The connection ended before the body did (a dropped upload).
    throw new ApiError("incomplete_upload", "The upload was cut off before its end; send it again");
  }
  if (declared !== null && total < declared) throw new ApiError("incomplete_upload", "The upload was cut off before its end; send it again");
  return buffer ?? join(chunks, total);
}

function join(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const ch of chunks) {
    bytes.set(ch, offset);
    offset += ch.byteLength;
  }
  return bytes;
}

type Range = { start: number; end: number } | "unsatisfiable" | null;

/** One byte range (what players ask for); anything else is served whole, as RFC 9110 allows. */
function parseRange(header: string | undefined, size: number): Range {
  const m = header?.trim().match(/^bytes=(\d*)-(\d*)$/);
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    return suffix === 0 ? "unsatisfiable" : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Number(m[2]);
  if (start >= size) return "unsatisfiable";
  if (end < start) return null;
  return { start, end: Math.min(end, size - 1) };
}

const etagMatches = (header: string | undefined, etag: string) =>
  !!header &&
  header.split(",").some((t) => {
    const tag = t.trim();
    return tag === "*" || tag.replace(/^W\//, "") === etag;
  });

async function download(c: Context<AppEnv>, id: string): Promise<Response> {
  const expires = await verifyMediaUrl(c.env, id, c.req.query("e"), c.req.query("s"));
  const object = await c.env.MEDIA.head(r2Key(id));
  if (!object) throw new ApiError("not_found", "This media was deleted");
  const size = object.size;
  const etag = `"${object.customMetadata?.sha256 ?? object.etag}"`;
  const headers = new Headers();
  object.writeHttpMetadata(headers);
  headers.set("etag", etag);
  headers.set("accept-ranges", "bytes");
  // Private: only the people the URL was issued to; the content of a media id never changes.
  headers.set("cache-control", `private, max-age=${Math.max(0, expires - Math.floor(Date.now() / 1000))}, immutable`);
  headers.set("x-content-type-options", "nosniff");
  headers.set("content-security-policy", "default-src 'none'; sandbox");
  if (etagMatches(c.req.header("if-none-match"), etag)) return new Response(null, { status: 304, headers });

  const ifRange = c.req.header("if-range");
  const range = ifRange !== undefined && ifRange !== etag ? null : parseRange(c.req.header("range"), size);
  if (range === "unsatisfiable") {
    const body = errorBody("range_not_satisfiable", `Range not satisfiable: the media has ${size} bytes`, c.get("requestId"));
    return Response.json(body, { status: 416, headers: { "content-range": `bytes */${size}`, "cache-control": "no-store", "x-content-type-options": "nosniff" } });
  }
  // HEAD (players probing the length) answers from the object's metadata, without reading it.
  const head = c.req.method === "HEAD";
  if (range) {
    const length = range.end - range.start + 1;
    headers.set("content-range", `bytes ${range.start}-${range.end}/${size}`);
    headers.set("content-length", String(length));
    if (head) return new Response(null, { status: 206, headers });
    const part = await c.env.MEDIA.get(r2Key(id), { range: { offset: range.start, length } });
    if (!part) throw new ApiError("not_found", "This media was deleted");
    return new Response(part.body, { status: 206, headers });
  }
  headers.set("content-length", String(size));
  if (head) return new Response(null, { status: 200, headers });
  const whole = await c.env.MEDIA.get(r2Key(id));
  if (!whole) throw new ApiError("not_found", "This media was deleted");
  return new Response(whole.body, { status: 200, headers });
}

/** Reads an upload (multipart as wx.uploadFile sends it, or raw) and stores it. */
async function receiveUpload(c: Context<AppEnv>, contentType: string, multipart: boolean, query: UploadFields, userId: string, quota: UploadQuota) {
  const boundary = multipart ? boundaryOf(contentType) : null;
  if (multipart && !boundary) throw new ApiError("invalid_request", "multipart/form-data without a boundary");
  // wx.uploadFile puts `kind` (and previewOf) in formData, ahead of the file: once they are in,
  // the cap becomes that kind's, so an oversized picture is refused without reading it all.
  const narrow = boundary
    ? (prefix: Uint8Array) => {
        const leading = fieldsBeforeFile(prefix, boundary);
        return leading ? uploadCap(fieldsFrom({ ...c.req.query(), ...leading }), true) : null;
      }
    : undefined;
  const body = await readUpload(c.req.raw, uploadCap(query, multipart), narrow);
  if (!boundary) return storeUpload(c.env, userId, body, query, null, quota);
  const form = parseMultipart(body, boundary);
  if (!form.file) throw new ApiError("invalid_request", "No file part in the form");
  const fields = fieldsFrom({ ...c.req.query(), ...form.fields });
  return storeUpload(c.env, userId, form.file.bytes, fields, form.file.filename, quota);
}

export const mediaRoutes = new Hono<AppEnv>()
  .post(
    "/",
    doc({ summary: "Upload (multipart as wx.uploadFile sends it, or a raw body)", responses: { 201: mediaInfo }, errors: [403, 413, 415, 429], see: "docs/media.md#routes" }),
    requireAuth,
    async (c) => {
      const contentType = c.req.header("content-type") ?? "";
      const multipart = /^multipart\/form-data/i.test(contentType);
      const query = fieldsFrom(c.req.query());
      const userId = c.get("auth").userId;
      const quota = await reserveUpload(c.env, userId, Number(c.req.header("content-length") ?? 0) || 0);
      try {
        const info = await receiveUpload(c, contentType, multipart, query, userId, quota);
        // Pictures and voice go to WeChat's asynchronous check now; its verdict comes by push.
        await requestMediaCheck(c.env, userId, info, new URL(c.req.url).origin);
        return c.json(info, 201);
      } catch (e) {
        // Nothing was stored: the count and bytes reserved for it go back to the uploader.
        await releaseUpload(c.env, quota);
        throw e;
      }
    },
  )
  .post("/urls", doc({ summary: "Signed download URLs", responses: { 200: mediaUrlsResponse }, see: "docs/media.md#urls-and-tokens" }), requireAuth, jsonBody(mediaUrlsBody), async (c) => {
    const { mediaIds, conversationId } = c.req.valid("json");
    return c.json(await grantUrls(c.env, c.get("auth").userId, new URL(c.req.url).origin, mediaIds, conversationId));
  })
  .get("/", doc({ summary: "Your uploads, newest first", responses: { 200: mediaList } }), requireAuth, queryParams(mediaListQuery), async (c) =>
    c.json({ media: await listOwnMedia(c.env, c.get("auth").userId, c.req.valid("query")) }),
  )
  .delete("/", doc({ summary: "Delete all your uploads", responses: { 200: z.object({ deleted: z.number() }) } }), requireAuth, async (c) => c.json(await deleteAllMedia(c.env, c.get("auth").userId)))
  .delete("/:id", doc({ summary: "Delete one of your uploads", responses: { 200: z.object({ deleted: z.array(z.string()) }) }, errors: [403] }), requireAuth, idParams, async (c) =>
    c.json(await deleteMedia(c.env, c.get("auth").userId, c.req.valid("param").id)),
  )
  .get(
    "/:id",
    doc({
      summary: "Download by signed URL (?e=&s=); Range, If-None-Match, If-Range",
      responses: { 200: { contentType: "application/octet-stream", description: "The bytes" }, 206: { contentType: "application/octet-stream", description: "A range of the bytes" }, 304: null },
      errors: [403, 404, 416],
      see: "docs/media.md#serving",
    }),
    idParams,
    (c) => download(c, c.req.valid("param").id),
  );
