// fast-check arbitraries for the generated bad-input campaign (tests/worker/fuzz-*.test.ts).
// Everything here is data: what a request or frame looks like is decided by the generator, and
// values that depend on the seeded world (ids, codes) are drawn as indices and resolved at run
// time, so a seed replays the same inputs against a freshly seeded world.
import fc from "fast-check";

const enc = new TextEncoder();

/** Strings that have broken parsers, encoders, validators and SQL before. */
export const EDGE_STRINGS = [
  "",
  " ",
  "   ",
  "\t\r\n",
  "\u0000",
  "a\u0000b",
  "\u0007",
  "\u007f",
  "\u0085",
  "\u2028",
  "\u2029",
  "\ud800",
  "\udfff",
  "x\ud83dy",
  "\u202eevil\u202c",
  "\u200b",
  "\u200b\u200b",
  "\u200d",
  "\ufeff",
  "\ufffd",
  "\uffff",
  "😀",
  "👨‍👩‍👧‍👦",
  "🇨🇳",
  "é",
  "e\u0301",
  "ＡＢＣ",
  "中文名",
  "ﷺ",
  "𝕏",
  "'",
  '"',
  "\\",
  "'; drop table users; --",
  '" or "1"="1',
  "1' or '1'='1",
  "%",
  "%00",
  "%ZZ",
  "%%",
  "_",
  "*",
  "?",
  "../../etc/passwd",
  "..%2F..%2F",
  "/",
  "<script>alert(1)</script>",
  "${7*7}",
  "{{7*7}}",
  "$where",
  "null",
  "undefined",
  "true",
  "false",
  "0",
  "-0",
  "-1",
  "1.5",
  "NaN",
  "Infinity",
  "-Infinity",
  "1e309",
  "0x10",
  " 1",
  "1_000",
  "9007199254740993",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
];

export const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** Edge strings, arbitrary code points, mixtures of both, and strings from 100 to 70,000 characters. */
export const edgeString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...EDGE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.array(fc.oneof(fc.constantFrom(...EDGE_STRINGS), loneSurrogate, fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 5 }).map((a) => a.join("")) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("x", "😀", "\u0000", "中", "\u200b"), fc.integer({ min: 100, max: 70_000 })).map(([c, n]) => c.repeat(n)) },
);

/** Numbers at and past the edges a schema draws: negative, zero, huge, fractional, unsafe integers. */
export const edgeNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 0.5, 1.5, -1.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e21, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 90.000001, -180.5, 4001, 65),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/**
 * Number tokens JSON.stringify cannot write (1e309 parses as Infinity), put into a body's text
 * in place of a marker string after it has been stringified.
 */
export const RAW_NUMBERS = ["1e309", "-1e309", "-0", "1E+2", "0.1e-400", "123456789012345678901234567890", "1.0", "5e-324"];
const RAW = "\u0001RAW:";
export const rawNumber = fc.constantFrom(...RAW_NUMBERS).map((t) => `${RAW}${t}`);
export const toJsonText = (value: unknown) => JSON.stringify(value)?.replace(/"\\u0001RAW:([^"]*)"/g, "$1") ?? "undefined";

/** A value of some other type than the one a field wants. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, [], {}, [null], { "": "" }, "", 0),
  edgeString,
  edgeNumber,
  rawNumber,
  fc.array(edgeString, { maxLength: 3 }),
  fc.dictionary(edgeString, edgeNumber, { maxKeys: 3 }),
);

/** Field names the API uses, and names it should not be fooled by. */
export const FIELD_NAMES = [
  "name",
  "memberIds",
  "userId",
  "userIds",
  "clientId",
  "type",
  "body",
  "text",
  "seq",
  "to",
  "mentions",
  "mentionAll",
  "replyTo",
  "pinned",
  "doNotDisturb",
  "username",
  "password",
  "code",
  "refreshToken",
  "nickname",
  "signature",
  "status",
  "mediaIds",
  "conversationId",
  "remark",
  "greeting",
  "tags",
  "message",
  "durationSeconds",
  "joinPolicy",
  "muteAll",
  "announcement",
  "maxUses",
  "expiresInSeconds",
  "latitude",
  "longitude",
  "currentPassword",
  "newPassword",
  "device",
  "allowStrangers",
  "avatarMediaId",
  "role",
  "admin",
  "id",
  "senderId",
  "createdAt",
  "__proto__",
  "constructor",
  "",
];
const fieldName = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...FIELD_NAMES) }, { weight: 1, arbitrary: edgeString });

type Path = (string | number)[];

/** Every place in a value a mutation can touch: the value itself, each field and element, recursively. */
function paths(value: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...at, i])));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, k]));
  return out;
}

export type Mutation = { op: "drop"; at: number } | { op: "set"; at: number; value: unknown } | { op: "add"; at: number; key: string; value: unknown };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("drop" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("set" as const), at: fc.nat(), value: wrongValue }),
  fc.record({ op: fc.constant("add" as const), at: fc.nat(), key: fieldName, value: wrongValue }),
);

/** Applies mutations to a deep copy of `valid`; `at` picks a place modulo how many there are. */
export function mutate(valid: unknown, mutations: Mutation[]): unknown {
  let root: unknown = structuredClone(valid);
  for (const generated of mutations) {
    // Generated values are shared (constantFrom hands out the same [] each time): copy before use.
    const m = structuredClone(generated);
    const all = paths(root);
    const path = all[m.at % all.length]!;
    if (path.length === 0) {
      if (m.op === "set") root = m.value;
      else if (m.op === "add" && root && typeof root === "object" && !Array.isArray(root)) (root as Record<string, unknown>)[m.key] = m.value;
      continue;
    }
    const parent = path.slice(0, -1).reduce<any>((o, k) => o[k], root);
    const key = path[path.length - 1]!;
    if (m.op === "drop") {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else if (m.op === "set") {
      parent[key] = m.value;
    } else {
      const target = parent[key];
      if (Array.isArray(target)) target.push(m.value);
      else if (target && typeof target === "object") target[m.key] = m.value;
      else parent[key] = { [m.key]: m.value };
    }
  }
  return root;
}

/** Near-valid values: the valid one with one to three fields dropped, retyped or added. */
export const mutationsOf = (valid: unknown) => fc.array(mutation, { minLength: 1, maxLength: 3 }).map((ms) => ({ value: mutate(valid, ms), mutations: ms }));

/** Percent-encodes any string, lone surrogates included (as the invalid UTF-8 bytes they would be). */
export function encodeLoose(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xd800 && c <= 0xdfff) out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join("");
    else out += encodeURIComponent(ch);
  }
  return out;
}

/** A request body as sent: the bytes and the content type that claims what they are. */
export interface BodyCase {
  kind: string;
  contentType: string | null;
  body: string | Uint8Array | null;
}

const JSON_TYPES = ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8; extra=1"];
const WRONG_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/jsonx",
  "json",
  "application/xml",
  "application/octet-stream",
  "*/*",
  "",
  "application/json, text/plain",
  "application/vnd.api+json",
];

/** Bytes from text (UTF-8) and raw byte values, in order: for invalid UTF-8 and binary frames. */
export const bytes = (...parts: (string | number[])[]) => {
  const chunks = parts.map((p) => (typeof p === "string" ? enc.encode(p) : new Uint8Array(p)));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) out.set(c, (at += c.length) - c.length);
  return out;
};

/** Multipart bodies that are almost right: boundaries missing, mismatched, unterminated, or parts without names. */
export const multipartGarbage: fc.Arbitrary<BodyCase> = fc
  .tuple(fc.constantFrom("b0undary", "", "x".repeat(200), "a b", '"q"'), fc.constantFrom("file", "", "kind", "name\u0000"), edgeString, fc.boolean(), fc.boolean())
  .map(([boundary, field, content, closed, declared]) => ({
    kind: "multipart garbage",
    contentType: declared ? `multipart/form-data; boundary=${boundary}` : "multipart/form-data",
    body: bytes(
      `--${closed ? boundary : "other"}\r\nContent-Disposition: form-data; name="${field}"; filename="${content.slice(0, 50)}"\r\n\r\n`,
      content.slice(0, 2000),
      closed ? `\r\n--${boundary}--\r\n` : "",
    ),
  }));

/** Bodies for a route whose valid body is `valid`: mutated, arbitrary, malformed, mislabelled, empty. */
export function bodyCase(valid: unknown): fc.Arbitrary<BodyCase> {
  const validText = toJsonText(valid);
  const json = (kind: string) => (value: unknown, type: string) => ({ kind, contentType: type, body: toJsonText(value) });
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(mutationsOf(valid), fc.constantFrom(...JSON_TYPES)).map(([m, t]) => json("mutated valid body")(m.value, t)) },
    { weight: 1, arbitrary: fc.constantFrom(...JSON_TYPES).map((t) => json("the valid body")(valid, t)) },
    { weight: 2, arbitrary: fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(...JSON_TYPES)).map(([v, t]) => json("arbitrary JSON")(v, t)) },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.nat().map((n) => ({ kind: "truncated JSON", contentType: "application/json", body: validText.slice(0, n % Math.max(1, validText.length)) })),
        edgeString.map((s) => ({ kind: "trailing garbage", contentType: "application/json", body: `${validText}${s || "x"}` })),
        fc
          .constantFrom("{'a':1}", "{a:1}", "{,}", "[1,]", "undefined", "NaN", '{"a":1,"a":2}', "\ufeff{}", "{}}", '"\\ud800"', '"\\u0000"', "[".repeat(5000))
          .map((t) => ({ kind: "malformed JSON", contentType: "application/json", body: t })),
        fc
          .constantFrom<number[]>([0xff, 0xfe], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf])
          .map((b) => ({ kind: "invalid UTF-8", contentType: "application/json", body: bytes(validText.slice(0, -2), '"', b, '"}') })),
      ),
    },
    { weight: 2, arbitrary: fc.constantFrom(...WRONG_TYPES).map((t) => ({ kind: "valid JSON under another content type", contentType: t, body: validText })) },
    { weight: 1, arbitrary: fc.constant({ kind: "valid JSON without a content type", contentType: null, body: validText }) },
    { weight: 1, arbitrary: multipartGarbage },
    { weight: 1, arbitrary: fc.constantFrom(...JSON_TYPES, null).map((t) => ({ kind: "no body", contentType: t, body: null })) },
  );
}

/** A query string: known and unknown keys with edge values, repeated keys and broken escapes. */
export const QUERY_KEYS = ["after", "before", "limit", "q", "status", "e", "s", "cursor", "kind", "name", "size", "durationMs", "previewOf", "batch"];
export const queryString: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .array(fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...QUERY_KEYS) }, { weight: 1, arbitrary: edgeString }), fc.oneof(edgeString, edgeNumber.map(String))), { maxLength: 4 })
      .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${encodeLoose(k)}=${encodeLoose(v)}`).join("&")}` : "")),
  },
  { weight: 1, arbitrary: fc.constantFrom("?%ZZ=1", "?q=%E0%A4%A", "?limit=%", "?=", "?&&&", "?q", "?limit=1&limit=2", "?after=%2D1", `?q=${"x".repeat(5000)}`) },
);

/** A path segment that is not the value the route expects (or is, transformed to almost be). */
export type ParamCase = { kind: "real"; pick: number } | { kind: "near"; pick: number; how: number; text: string } | { kind: "raw"; text: string };

export const paramCase: fc.Arbitrary<ParamCase> = fc.oneof(
  { weight: 4, arbitrary: fc.nat().map((pick) => ({ kind: "real" as const, pick })) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("near" as const), pick: fc.nat(), how: fc.nat({ max: 5 }), text: edgeString }) },
  {
    weight: 3,
    arbitrary: fc.oneof(
      edgeString.map((s) => ({ kind: "raw" as const, text: encodeLoose(s) || "%20" })),
      fc
        .constantFrom("%ZZ", "%", "%E0%A4%A", "%00", "..%2F..", "%2e%2e", "a%2Fb", "%C0%AF", "%ED%A0%80", "x".repeat(3000), "1e309", "-1", "0", "00001", "1.5", "0x1")
        .map((text) => ({ kind: "raw" as const, text })),
    ),
  },
);

/** Turns a param case into the path segment, given the real values the seeded world has for it. */
export function resolveParam(p: ParamCase, real: string[]): string {
  if (p.kind === "raw") return p.text;
  if (real.length === 0) return p.kind === "near" ? encodeLoose(p.text) || "x" : "x";
  const value = real[p.pick % real.length]!;
  if (p.kind === "real") return encodeLoose(value);
  const tweak = [() => value.toUpperCase(), () => value.slice(0, -1), () => `${value}${p.text}`, () => `${p.text}${value}`, () => value.replace(/[0-9a-z]$/, "_"), () => `${value} `][p.how % 6]!;
  return encodeLoose(tweak()) || "x";
}

/** Methods a client can send, beside the route's own. */
export const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;
