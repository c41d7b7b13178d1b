// The hand-made mutants (scripts/mutants.ts) name exact strings in the Durable Object and service
// code. When that code moves or changes, a mutant whose string no longer matches would silently
// stop guarding its invariant: this spec fails first, in npm test, so the mutant is updated.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MUTANTS } from "../../scripts/mutants.ts";

const ROOT = join(import.meta.dirname, "..", "..");

describe("hand-made mutants", () => {
  it.each(MUTANTS.map((m) => [m.id, m] as const))("%s: its search string occurs exactly once in its file, and its tests exist", (_id, m) => {
    const source = readFileSync(join(ROOT, m.file), "utf8");
    expect(source.split(m.search).length - 1).toBe(1);
    expect(m.replace).not.toBe(m.search);
    for (const t of m.tests) expect(() => readFileSync(join(ROOT, t))).not.toThrow();
  });
});
