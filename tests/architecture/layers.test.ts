// The worker's layer rule, checked on every import: http → services/objects → data → lib → schema.
// Objects never call services (services call objects), data/ knows no caller, lib/ knows nothing
// of the worker, schema/ knows nothing of the worker, services never reach back into http/, and
// no file imports itself round a loop. Plus the size rule: no source file over 350 lines unless
// its first lines say why (`// size: …`). Plain Node: it reads the source text, nothing runs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cycles, importsOf, listFiles, ROOT, type Import } from "./imports";

const OBJECTS = ["worker/conversation/", "worker/gateway/", "worker/face-to-face/", "worker/wechat/"];
const under = (file: string, folders: readonly string[]) => folders.some((f) => file.startsWith(f));

interface Rule {
  name: string;
  broken: (e: Import) => boolean;
}

const RULES: Rule[] = [
  { name: "an object imports services/ or http/", broken: (e) => under(e.from, OBJECTS) && under(e.to, ["worker/services/", "worker/http/"]) },
  {
    name: "data/ imports services/, http/, an object or the app",
    broken: (e) => under(e.from, ["worker/data/"]) && (under(e.to, ["worker/services/", "worker/http/", ...OBJECTS]) || e.to === "worker/app.ts" || e.to === "worker/index.ts"),
  },
  // lib/ may name the Env type (shards and signed URLs take the bindings): types only, erased at build.
  {
    name: "lib/ imports worker/ outside lib/",
    broken: (e) => under(e.from, ["worker/lib/"]) && e.to.startsWith("worker/") && !e.to.startsWith("worker/lib/") && !(e.to === "worker/env.ts" && e.typeOnly),
  },
  { name: "schema/ imports worker/", broken: (e) => e.from.startsWith("schema/") && e.to.startsWith("worker/") },
  { name: "services/ imports http/", broken: (e) => under(e.from, ["worker/services/"]) && under(e.to, ["worker/http/"]) },
];

/**
 * Imports allowed to break a rule while they are being removed. Empty: keep it so. An entry that no
 * longer occurs fails the test, so the list can only shrink.
 */
const KNOWN_EXCEPTIONS: readonly string[] = [];

const MAX_LINES = 350;
const SIZE_REASON = /^\s*(\/\/|\/\*|<!--)\s*size:/m;
/** Over MAX_LINES without a `size:` line, in files their owners are splitting or will annotate. Only shrinks. */
const KNOWN_LARGE: readonly string[] = [];

const edgeName = (e: Import) => `${e.from} -> ${e.to}`;

/** Every rule an import breaks, as `file:line: rule (from -> to)`. */
function violations(imports: readonly Import[], exceptions: readonly string[] = KNOWN_EXCEPTIONS): string[] {
  return imports.flatMap((e) => (exceptions.includes(edgeName(e)) ? [] : RULES.filter((r) => r.broken(e)).map((r) => `${e.from}:${e.line}: ${r.name} (${edgeName(e)})`)));
}

/**
 * Cycles of value imports. Type-only imports are left out: they are erased at build, so they
 * cannot make a module run before what it needs, and the typed bindings need one loop (env.ts
 * names the object classes for typed stubs; the objects take Env).
 */
const valueCycles = (imports: readonly Import[]) => cycles(imports.filter((e) => !e.typeOnly)).map((c) => c.join(" -> "));

const inGraph = (path: string) => path.startsWith("worker/") || path.startsWith("schema/");
const graph = () => [...listFiles("worker", [".ts"]), ...listFiles("schema", [".ts"])].flatMap(importsOf).filter((e) => inGraph(e.to));

const lineCount = (file: string) => readFileSync(join(ROOT, file), "utf8").split("\n").length - 1;
const hasSizeReason = (file: string) => SIZE_REASON.test(readFileSync(join(ROOT, file), "utf8").split("\n").slice(0, 5).join("\n"));

const SOURCE = [".ts", ".js", ".mjs", ".wxml", ".wxss"];
const sources = () => ["worker", "schema", "miniprogram"].flatMap((dir) => listFiles(dir, SOURCE));

describe("the layer rule", () => {
  const imports = graph();

  it("reads the imports of every worker and schema file", () => {
    // A parser that silently found nothing would pass every rule below.
    expect(imports.length).toBeGreaterThan(200);
    expect(imports).toContainEqual(expect.objectContaining({ from: "worker/app.ts", to: "worker/lib/errors.ts", typeOnly: false }));
    expect(imports).toContainEqual(expect.objectContaining({ from: "worker/lib/shards.ts", to: "worker/env.ts", typeOnly: true }));
  });

  it("holds for every import: objects and data/ never call up, lib/ and schema/ stand alone, services never reach http/", () => {
    expect(violations(imports)).toEqual([]);
  });

  it("has no known exception left that no longer occurs (the list only shrinks)", () => {
    const present = new Set(imports.filter((e) => RULES.some((r) => r.broken(e))).map(edgeName));
    expect(KNOWN_EXCEPTIONS.filter((x) => !present.has(x))).toEqual([]);
  });

  it("has no import cycle among worker/ and schema/ files", () => {
    expect(valueCycles(imports)).toEqual([]);
  });

  it("catches a planted break of each rule and a planted cycle", () => {
    const planted = (from: string, to: string, typeOnly = false): Import => ({ from, to, typeOnly, line: 1 });
    const found = violations([
      planted("worker/conversation/object.ts", "worker/services/contacts.ts"),
      planted("worker/gateway/object.ts", "worker/http/middleware.ts"),
      planted("worker/data/media.ts", "worker/services/media.ts"),
      planted("worker/lib/ids.ts", "worker/db.ts"),
      planted("worker/lib/shards.ts", "worker/env.ts"), // a value import of env.ts
      planted("schema/api.ts", "worker/lib/errors.ts"),
      planted("worker/services/groups.ts", "worker/http/validate.ts"),
    ]);
    expect(found).toHaveLength(7);
    expect(violations([planted("worker/lib/shards.ts", "worker/env.ts", true), planted("worker/services/groups.ts", "worker/data/contacts.ts")])).toEqual([]);
    const loop = [planted("worker/services/a.ts", "worker/services/b.ts"), planted("worker/services/b.ts", "worker/services/c.ts"), planted("worker/services/c.ts", "worker/services/a.ts")];
    expect(valueCycles(loop)).toEqual(["worker/services/a.ts -> worker/services/b.ts -> worker/services/c.ts -> worker/services/a.ts"]);
    expect(valueCycles(loop.map((e, i) => (i === 2 ? { ...e, typeOnly: true } : e)))).toEqual([]);
  });
});

describe("the size rule", () => {
  const files = sources();

  it(`keeps source files in worker/, schema/ and miniprogram/ to ${MAX_LINES} lines, or says why at the top`, () => {
    expect(files.length).toBeGreaterThan(50);
    const over = files.filter((f) => lineCount(f) > MAX_LINES && !hasSizeReason(f) && !KNOWN_LARGE.includes(f));
    expect(over.map((f) => `${f}: ${lineCount(f)} lines`)).toEqual([]);
  });

  it("has no known large file left that is now within the limit, explained or gone (the list only shrinks)", () => {
    const stillLarge = new Set(files.filter((f) => lineCount(f) > MAX_LINES && !hasSizeReason(f)));
    expect(KNOWN_LARGE.filter((f) => !stillLarge.has(f))).toEqual([]);
  });
});
