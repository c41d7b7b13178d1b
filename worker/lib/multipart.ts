// multipart/form-data as wx.uploadFile sends it: text fields (its formData) and one file part.
// Parsed over bytes already read under a size cap, so the file comes out as a view, not a copy,
// and a body that stops before its closing boundary is recognised as cut off.
import { ApiError } from "./errors";

export interface FilePart {
  field: string;
  filename: string | null;
  bytes: Uint8Array;
}

export interface FormData {
  fields: Record<string, string>;
  file: FilePart | null;
}

const MAX_FIELDS = 20;
const MAX_FIELD_BYTES = 1024;
const enc = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export function boundaryOf(contentType: string): string | null {
  const m = contentType.match(/;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i);
  return m ? (m[1] ?? m[2]!) : null;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  for (let i = hay.indexOf(first, from); i !== -1 && i + needle.length <= hay.length; i = hay.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

function param(header: string, name: string): string | null {
  const m = header.match(new RegExp(`;\\s*${name}="((?:[^"\\\\]|\\\\.)*)"`, "i")) ?? header.match(new RegExp(`;\\s*${name}=([^;\\s]+)`, "i"));
  return m ? m[1]!.replace(/\\(.)/g, "$1") : null;
}

const incomplete = () => new ApiError("incomplete_upload", "The upload was cut off before its end; send it again");
const malformed = (why: string) => new ApiError("invalid_request", `Malformed multipart body: ${why}`);

export function parseMultipart(body: Uint8Array, boundary: string): FormData {
  const dash = enc.encode(`--${boundary}`);
  const delimiter = enc.encode(`\r\n--${boundary}`);
  let at = indexOf(body, dash, 0);
  if (at === -1) throw body.length === 0 ? malformed("empty body") : incomplete();
  at += dash.length;
  const out: FormData = { fields: {}, file: null };
  let fieldCount = 0;
  for (;;) {
    if (at + 2 > body.length) throw incomplete();
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return out; // "--": the closing boundary
    if (body[at] !== 0x0d || body[at + 1] !== 0x0a) throw malformed("boundary not followed by a line break");
    at += 2;
    const headerEnd = indexOf(body, enc.encode("\r\n\r\n"), at);
    if (headerEnd === -1) throw incomplete();
    const headers = new TextDecoder().decode(body.subarray(at, headerEnd));
    const start = headerEnd + 4;
    const end = indexOf(body, delimiter, start);
    if (end === -1) throw incomplete();
    const disposition = headers.split("\r\n").find((l) => /^content-disposition:/i.test(l)) ?? "";
    const name = param(disposition, "name");
    if (!name) throw malformed("a part has no name");
    const filename = param(disposition, "filename");
    const content = body.subarray(start, end);
    if (filename !== null) {
      if (out.file) throw new ApiError("invalid_request", "Send one file per upload");
      out.file = { field: name, filename, bytes: content };
    } else {
      if (++fieldCount > MAX_FIELDS || content.length > MAX_FIELD_BYTES) throw new ApiError("invalid_request", "Too many or too long form fields");
      try {
        out.fields[name] = utf8.decode(content);
      } catch {
        throw malformed(`field ${name} is not UTF-8`);
      }
    }
    at = end + delimiter.length;
  }
}

/**
 * The text fields before the file part, from the first bytes of a body still arriving:
 * wx.uploadFile sends its formData first, so they say what the file is before it is read.
 * null until the file part's headers have arrived (or when the prefix is not multipart).
 */
export function fieldsBeforeFile(prefix: Uint8Array, boundary: string): Record<string, string> | null {
  const dash = enc.encode(`--${boundary}`);
  const delimiter = enc.encode(`\r\n--${boundary}`);
  const fields: Record<string, string> = {};
  let at = indexOf(prefix, dash, 0);
  if (at !== 0) return null;
  at += dash.length;
  for (let parts = 0; parts <= MAX_FIELDS; parts++) {
    if (at + 2 > prefix.length || prefix[at] !== 0x0d || prefix[at + 1] !== 0x0a) return null;
    const headerEnd = indexOf(prefix, enc.encode("\r\n\r\n"), at + 2);
    if (headerEnd === -1) return null;
    const disposition =
      new TextDecoder()
        .decode(prefix.subarray(at + 2, headerEnd))
        .split("\r\n")
        .find((l) => /^content-disposition:/i.test(l)) ?? "";
    const name = param(disposition, "name");
    if (!name) return null;
    if (param(disposition, "filename") !== null) return fields;
    const end = indexOf(prefix, delimiter, headerEnd + 4);
    if (end === -1 || end - headerEnd - 4 > MAX_FIELD_BYTES) return null;
    try {
      fields[name] = utf8.decode(prefix.subarray(headerEnd + 4, end));
    } catch {
      return null; // the full parse reports it
    }
    at = end + delimiter.length;
  }
  return null;
}
