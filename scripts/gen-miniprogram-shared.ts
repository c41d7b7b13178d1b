// Writes what the mini-program needs from schema/ at run time: miniprogram/generated/limits.ts
// (the limits) and miniprogram/generated/protocol.ts (the zod schemas of the server's socket
// frames, which the client parses every frame with). WeChat DevTools compiles miniprogram/ as it
// is and a mini-program cannot load a file outside its root, so the client cannot import
// schema/ values; this copies them in, and the copies are committed so a clean clone opens in
// DevTools. A test fails while either is stale.
//
//   node scripts/gen-miniprogram-shared.ts          (npm run gen:miniprogram)
import { readFileSync } from "node:fs";
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const GENERATED_LIMITS = join(REPO_ROOT, "miniprogram", "generated", "limits.ts");
export const GENERATED_PROTOCOL = join(REPO_ROOT, "miniprogram", "generated", "protocol.ts");

type Values = Readonly<Record<string, number>>;

/** What the generated file is made from: the schema modules' exports it reads. */
export interface SharedSource {
  LIMITS: Values;
  MESSAGE_LIMITS: Values;
  GROUP_LIMITS: Values;
  MEDIA_LIMITS: Values;
  CONTACT_LIMITS: Values;
  /** schema/protocol.ts's location body; its name and address lengths are zod checks, not named limits. */
  locationBody: { shape: { name: unknown; address: unknown } };
}

/** The longest a `z.string().max(n).optional()` allows (zod keeps it as maxLength on the inner string). */
function maxLengthOf(field: unknown, what: string): number {
  const inner = (field as { unwrap?: () => unknown }).unwrap?.() ?? field;
  const max = (inner as { maxLength?: number | null }).maxLength;
  if (typeof max !== "number") throw new Error(`${what} has no maximum length`);
  return max;
}

function pick(from: Values, keys: readonly string[], name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of keys) {
    const value = from[key];
    if (typeof value !== "number") throw new Error(`${name}.${key} is not a number in schema/`);
    out[key] = value;
  }
  return out;
}

function block(name: string, doc: string, values: Record<string, number>): string {
  const lines = Object.entries(values).map(([key, value]) => `  ${key}: ${value},`);
  return [`/** ${doc} */`, `export const ${name} = {`, ...lines, "} as const;", ""].join("\n");
}

/** The generated file's text for these schema values. */
export function renderShared(s: SharedSource): string {
  return [
    "// generated from schema/limits.ts by scripts/gen-miniprogram-shared.ts; do not edit.",
    "// `npm run gen:miniprogram` writes it again (CONTACT_LIMITS from schema/contacts.ts, LOCATION_LIMITS",
    "// from schema/protocol.ts). A mini-program cannot load files outside its root, so these are copies.",
    "",
    block("PROFILE_LIMITS", "From LIMITS.", pick(s.LIMITS, ["usernameMax", "passwordMax", "nicknameMax", "signatureMax", "statusMax", "deviceMax"], "LIMITS")),
    block(
      "MESSAGE_LIMITS",
      "From MESSAGE_LIMITS.",
      pick(s.MESSAGE_LIMITS, ["textChars", "recallWindowMs", "historyPageMax", "historyCompactPageMax", "forwardTargetsMax", "mentionsMax", "groupNameChars"], "MESSAGE_LIMITS"),
    ),
    block("GROUP_LIMITS", "From GROUP_LIMITS.", pick(s.GROUP_LIMITS, ["announcementChars", "groupNicknameChars", "inviteCodeChars"], "GROUP_LIMITS")),
    block("MEDIA_LIMITS", "From MEDIA_LIMITS.", pick(s.MEDIA_LIMITS, ["urlsPerRequest", "thumbnailFromBytes", "thumbnailWidth"], "MEDIA_LIMITS")),
    block("CONTACT_LIMITS", "From CONTACT_LIMITS in schema/contacts.ts.", pick(s.CONTACT_LIMITS, ["greetingChars"], "CONTACT_LIMITS")),
    block("LOCATION_LIMITS", "The longest name and address of a location message (locationBody in schema/protocol.ts).", {
      nameChars: maxLengthOf(s.locationBody.shape.name, "locationBody.name"),
      addressChars: maxLengthOf(s.locationBody.shape.address, "locationBody.address"),
    }),
  ].join("\n");
}

/**
 * Loads the schema modules. They import each other without file extensions (as the worker's
 * bundler allows), which Node cannot resolve, so esbuild bundles them in memory first.
 */
async function loadSchema(): Promise<SharedSource> {
  const { build } = await import("esbuild");
  const result = await build({
    stdin: {
      contents: [
        'export { LIMITS, MESSAGE_LIMITS, GROUP_LIMITS, MEDIA_LIMITS } from "./schema/limits";',
        'export { CONTACT_LIMITS } from "./schema/contacts";',
        'export { locationBody } from "./schema/protocol";',
      ].join("\n"),
      resolveDir: REPO_ROOT,
      loader: "ts",
    },
    bundle: true,
    format: "esm",
    platform: "node",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]?.text ?? "";
  return (await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`)) as SharedSource;
}

/**
 * The text of miniprogram/generated/protocol.ts: the server frame schemas of
 * schema/server-frames.ts (re-exported by schema/protocol.ts) bundled by esbuild into one ES
 * module, with the part of zod/mini they use bundled in (tree-shaken: about 60 KB, where zod's
 * method API packed as an npm package was 550 KB), so the mini-program loads no npm package at
 * all. Not minified, so it reads and diffs like source; the zod version is named at the top. The
 * bundle is JavaScript, so the file is not type-checked (`@ts-nocheck`); its two exports are typed
 * with the schema's own types, imported as types (erased, so nothing leaves the mini-program root).
 */
/** The zod version installed for the worker: the one whose zod/mini the bundle holds. */
export function zodVersion(): string {
  return (JSON.parse(readFileSync(createRequire(import.meta.url).resolve("zod/package.json"), "utf8")) as { version: string }).version;
}

export async function renderProtocol(): Promise<string> {
  const { build } = await import("esbuild");
  const result = await build({
    stdin: { contents: 'export { serverFrame, singleServerFrame } from "./schema/server-frames";', resolveDir: REPO_ROOT, loader: "ts", sourcefile: "entry.ts" },
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2018",
    legalComments: "none",
    write: false,
    logLevel: "silent",
  });
  const code = (result.outputFiles[0]?.text ?? "").replace(/^\/\/ (schema|entry)\S*\n/gm, "");
  const tail = /\nexport \{\n  serverFrame,\n  singleServerFrame\n\};\n$/;
  if (!tail.test(code)) throw new Error("unexpected esbuild output: the exports of serverFrame and singleServerFrame not found at its end");
  return [
    "// @ts-nocheck -- bundled JavaScript; the exports at the end are typed from schema/protocol.ts.",
    "// size: generated from schema/server-frames.ts by scripts/gen-miniprogram-shared.ts, with the",
    "// part of zod/mini it uses bundled in; do not edit.",
    "// `npm run gen:miniprogram` writes it again. The server frame schemas the worker builds frames",
    "// to, for core/socket.ts to parse every inbound frame with. It holds what it uses of",
    `// zod/mini ${zodVersion()} (MIT licence, https://zod.dev), the version the worker runs.`,
    'import type { ZodMiniType } from "zod/mini";',
    'import type { ServerFrame, SingleServerFrame } from "../../schema/protocol";',
    code.replace(tail, "\n"),
    "/** Every server → client frame (serverFrame in schema/protocol.ts). */",
    "const typedServerFrame: ZodMiniType<ServerFrame> = serverFrame;",
    "/** A frame on its own, what a batch holds (singleServerFrame in schema/protocol.ts). */",
    "const typedSingleServerFrame: ZodMiniType<SingleServerFrame> = singleServerFrame;",
    "export { typedServerFrame as serverFrame, typedSingleServerFrame as singleServerFrame };",
    "",
  ].join("\n");
}

async function writeIfChanged(path: string, text: string): Promise<boolean> {
  const current = await readFile(path, "utf8").catch(() => "");
  if (current === text) return false;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  return true;
}

/** Writes the files that differ; returns the paths written. */
export async function writeShared(): Promise<string[]> {
  const written: string[] = [];
  if (await writeIfChanged(GENERATED_LIMITS, renderShared(await loadSchema()))) written.push(GENERATED_LIMITS);
  if (await writeIfChanged(GENERATED_PROTOCOL, await renderProtocol())) written.push(GENERATED_PROTOCOL);
  return written;
}

if (import.meta.main) {
  const written = await writeShared();
  for (const path of [GENERATED_LIMITS, GENERATED_PROTOCOL]) console.log(`${written.includes(path) ? "wrote" : "unchanged"} ${relative(REPO_ROOT, path)}`);
}
