// The import graph of the worker and the shared schemas, read from the source text (TypeScript 7
// has no compiler API to ask). Only relative imports are edges; packages are outside the graph.
// An import is type-only when it says so (`import type`, `export type`, every name marked `type`,
// or an `import("…").Name` type query): those vanish at build time.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface Import {
  from: string; // repo-relative path, forward slashes
  to: string;
  typeOnly: boolean;
  line: number;
}

const STATIC = /^[ \t]*(import|export)\s+(type\s+)?([^;"'`]*?)\s*from\s*["']([^"']+)["']/gm;
const SIDE_EFFECT = /^[ \t]*import\s*["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)(\s*\.\s*[A-Za-z_$])?/g;

/** Every file under `dir` (repo-relative) whose name ends in one of `exts`, skipping dependencies. */
export function listFiles(dir: string, exts: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (abs: string) => {
    for (const name of readdirSync(abs)) {
      if (name === "node_modules" || name === "miniprogram_npm") continue;
      const full = join(abs, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (exts.some((e) => name.endsWith(e))) out.push(toRepo(full));
    }
  };
  if (existsSync(join(ROOT, dir))) walk(join(ROOT, dir));
  return out.sort();
}

const toRepo = (abs: string) => relative(ROOT, abs).split(sep).join("/");

function resolveSpecifier(fromFile: string, spec: string): string | null {
  if (!spec.startsWith(".")) return null;
  const base = resolve(ROOT, dirname(fromFile), spec);
  const candidates = [base, `${base}.ts`, join(base, "index.ts"), base.replace(/\.js$/, ".ts")];
  const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  return toRepo(found ?? base);
}

const lineOf = (text: string, index: number) => text.slice(0, index).split("\n").length;

/** The relative imports of one file. */
export function importsOf(file: string): Import[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const out: Import[] = [];
  const add = (spec: string, typeOnly: boolean, index: number) => {
    const to = resolveSpecifier(file, spec);
    if (to) out.push({ from: file, to, typeOnly, line: lineOf(text, index) });
  };
  for (const m of text.matchAll(STATIC)) {
    const names = m[3] ?? "";
    const braced = names.match(/^\{([\s\S]*)\}$/);
    const allTyped =
      !!braced &&
      braced[1]!
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
        .every((s) => s.startsWith("type "));
    add(m[4]!, !!m[2] || allTyped, m.index);
  }
  for (const m of text.matchAll(SIDE_EFFECT)) add(m[1]!, false, m.index);
  for (const m of text.matchAll(DYNAMIC)) add(m[1]!, !!m[2], m.index);
  return out;
}

/** Cycles among `edges` (one per strongly connected component, shown as a path that closes). */
export function cycles(edges: readonly Import[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  // Tarjan's strongly connected components.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      const selfLoop = (next.get(v) ?? []).includes(v);
      if (component.length > 1 || selfLoop) found.push(closedPath(component, next));
    }
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** A path through a strongly connected component from its first file back to it, for the message. */
function closedPath(component: string[], next: Map<string, string[]>): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0]!;
  // Breadth-first from start back to start, inside the component.
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = prev.get(u)!) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}
