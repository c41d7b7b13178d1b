// Writes miniprogram/generated/limits.ts: the values of schema/ the mini-program needs at run
// time. WeChat DevTools compiles miniprogram/ as it is and a mini-program cannot load a file
// outside its root, so the client cannot import schema/ values; this copies them in, and the
// copy is committed so a clean clone opens in DevTools. A test fails while it is stale.
//
//   node scripts/gen-miniprogram-shared.ts          (npm run gen:miniprogram)
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const GENERATED_LIMITS = join(REPO_ROOT, "miniprogram", "generated", "limits.ts");

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
    block("MESSAGE_LIMITS", "From MESSAGE_LIMITS.", pick(s.MESSAGE_LIMITS, ["textChars", "recallWindowMs", "historyPageMax", "forwardTargetsMax", "mentionsMax", "groupNameChars"], "MESSAGE_LIMITS")),
    block("GROUP_LIMITS", "From GROUP_LIMITS.", pick(s.GROUP_LIMITS, ["announcementChars", "groupNicknameChars", "inviteCodeChars"], "GROUP_LIMITS")),
    block("MEDIA_LIMITS", "From MEDIA_LIMITS.", pick(s.MEDIA_LIMITS, ["urlsPerRequest"], "MEDIA_LIMITS")),
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

/** Writes the file when it differs; returns whether it changed. */
export async function writeShared(): Promise<boolean> {
  const text = renderShared(await loadSchema());
  const current = await readFile(GENERATED_LIMITS, "utf8").catch(() => "");
  if (current === text) return false;
  await mkdir(dirname(GENERATED_LIMITS), { recursive: true });
  await writeFile(GENERATED_LIMITS, text);
  return true;
}

if (import.meta.main) {
  const changed = await writeShared();
  console.log(`${changed ? "wrote" : "unchanged"} miniprogram/generated/limits.ts`);
}
