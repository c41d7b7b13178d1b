// Builds the mini-program once per run (esbuild cannot run inside jsdom, so not in the tests).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { buildMiniprogram } from "../../scripts/build-miniprogram.ts";

declare module "vitest" {
  export interface ProvidedContext {
    miniprogramBuild: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = await buildMiniprogram(await mkdtemp(join(tmpdir(), "qun-miniprogram-")));
  project.provide("miniprogramBuild", dir);
  return () => rm(dir, { recursive: true, force: true });
}
