// The web project (docs/web.md#tests): builds the browser client when web/dist is missing or
// older than its sources, starts one `wrangler dev` serving it, and one Chromium (Debian's
// package, driven by playwright-core) that every test file connects to.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import type { TestProject } from "vitest/node";
import { buildWeb } from "../../scripts/build-web.ts";
import { TEST_WORDS_RISKY } from "../support/safety-config.ts";
import { startWorker } from "../support/wrangler-dev.ts";

declare module "vitest" {
  export interface ProvidedContext {
    webBaseUrl: string;
    webBrowserEndpoint: string;
  }
}

const ROOT = resolve(import.meta.dirname, "..", "..");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Headless Chromium as root in a container: no sandbox, and no calls home. */
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** What the bundle is built from: the app, the shared client core and catalogues, the schema types. */
const SOURCES = ["web/src", "web/public", "web/index.html", "web/vite.config.ts", "miniprogram/core", "miniprogram/i18n", "miniprogram/services", "schema"];

/**
 * True when web/dist/index.html is older than any of its sources. (`npm test` builds first;
 * this serves a run of the web project alone. It does not rebuild needlessly, since other
 * projects' `wrangler dev` may be serving web/dist meanwhile.)
 */
function buildIsStale(): boolean {
  const built = join(ROOT, "web", "dist", "index.html");
  if (!existsSync(built)) return true;
  const newest = Math.max(...SOURCES.map((s) => join(ROOT, s)).map((path) => (!existsSync(path) ? 0 : statSync(path).isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)));
  return newest > statSync(built).mtimeMs;
}

export default async function setup(project: TestProject) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The web tests drive Chromium at ${CHROMIUM}, which is not installed. Install Debian's package (as root: apt-get install -y --no-install-recommends chromium) or set CHROMIUM_PATH to a Chromium binary.`,
    );
  }
  if (buildIsStale()) await buildWeb({ quiet: true });
  const server = await chromium.launchServer({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  let worker: Awaited<ReturnType<typeof startWorker>>;
  try {
    // A local risky-word list, so a spec can have a message refused (docs/moderation.md).
    worker = await startWorker({ ENVIRONMENT: "development", JWT_SECRET: `web-${crypto.randomUUID()}`, CONTENT_WORDS_RISKY: TEST_WORDS_RISKY });
  } catch (e) {
    await server.close();
    throw e;
  }
  project.provide("webBaseUrl", worker.url);
  project.provide("webBrowserEndpoint", server.wsEndpoint());
  return async () => {
    await server.close();
    await worker.stop();
  };
}
