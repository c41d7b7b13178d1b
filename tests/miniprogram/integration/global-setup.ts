// A second build of the mini-program whose code calls `globalThis.__wxB` instead of `wx`, so
// the integration tests can run two clients (two users, two storages, two sockets) side by side.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { buildMiniprogram } from "../../../scripts/build-miniprogram.ts";

declare module "vitest" {
  export interface ProvidedContext {
    miniprogramBuildB: string;
    /** Provided by tests/e2e/global-setup.ts: the running `wrangler dev`. */
    e2eBaseUrl: string;
  }
}

export const SECOND_WX = "__wxB";

export default async function setup(project: TestProject) {
  const dir = await buildMiniprogram(await mkdtemp(join(tmpdir(), "qun-miniprogram-b-")), { wxGlobal: `globalThis.${SECOND_WX}` });
  project.provide("miniprogramBuildB", dir);
  return () => rm(dir, { recursive: true, force: true });
}
