// Starts the real worker under `wrangler dev` on a free port with its own temporary state,
// migrated. Plain Node (no vitest), so the e2e tests and the benchmark share it.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface RunningWorker {
  url: string;
  /** The wrangler process; it leads a process group that holds workerd too. */
  pid: number;
  /** Everything wrangler printed so far (for failure messages). */
  output: () => string;
  stop: () => Promise<void>;
}

/** The D1 bindings wrangler.toml declares (DB, SUMMARIES_0 …), in order. */
export function d1Bindings(dir = ROOT): string[] {
  const toml = readFileSync(join(dir, "wrangler.toml"), "utf8");
  return [...toml.matchAll(/^\[\[d1_databases\]\]\s*\nbinding = "([A-Z0-9_]+)"/gm)].map((m) => m[1]!);
}

/**
 * Applies the D1 migrations to a fresh temporary state directory and starts `wrangler dev` on it
 * (the same code, bindings and Durable Objects as `npm run dev`), with `vars` overriding
 * wrangler.toml and any .dev.vars. Resolves once GET /health answers.
 */
export async function startWorker(vars: Record<string, string>, timeoutMs = 60_000, persistTo = mkdtempSync(join(tmpdir(), "qun-e2e-")), options: { snapshot?: boolean } = {}): Promise<RunningWorker> {
  // X_LOCAL_OBSERVABILITY: wrangler 4.16x's dev server records a trace of every invocation (each
  // request, socket message and Durable Object call) in a SQLite store of its own, through a tail
  // worker on workerd's thread, with fsyncs on every write. Production runs nothing like it beside
  // the worker, and locally it was half of workerd's CPU per delivery (docs/performance.md), so the
  // tests and the benchmark leave it off unless the caller's environment turns it on.
  const env = { X_LOCAL_OBSERVABILITY: "false", ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
  // wrangler dev rebuilds and restarts the worker (dropping every socket) when a source file
  // changes. Long runs (bench, load held) run a copy of the sources so edits meanwhile do not
  // end them; it sits under the repo so packages still resolve from its node_modules.
  const cwd = options.snapshot ? snapshotSources() : ROOT;
  // wrangler.toml serves the browser client from web/dist (docs/web.md) and wrangler dev refuses
  // to start when that folder is missing: an unbuilt tree serves the API alone.
  mkdirSync(join(cwd, "web", "dist"), { recursive: true });
  // The main D1 and every summary shard (SUMMARIES_<i>), each with its own migrations folder.
  for (const binding of d1Bindings(cwd)) {
    const migrate = spawnSync(process.execPath, [WRANGLER, "d1", "migrations", "apply", binding, "--local", "--persist-to", persistTo], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      encoding: "utf8",
    });
    if (migrate.status !== 0) {
      rmSync(persistTo, { recursive: true, force: true });
      if (cwd !== ROOT) rmSync(cwd, { recursive: true, force: true });
      throw new Error(`wrangler d1 migrations apply ${binding} failed (${migrate.status}):\n${migrate.stdout}\n${migrate.stderr}`);
    }
  }

  const [port, inspectorPort] = [await freePort(), await freePort()];
  const args = [WRANGLER, "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort)];
  args.push("--persist-to", persistTo, "--show-interactive-dev-session=false", "--log-level", "warn");
  // GET /__scheduled?cron=… runs a Cron Trigger on demand (the notice specs); wrangler dev runs none by itself.
  args.push("--test-scheduled");
  // Password sign-in refuses without a pepper; callers may pass their own.
  for (const [key, value] of Object.entries({ PASSWORD_PEPPER: `pepper-${crypto.randomUUID()}`, ...vars })) args.push("--var", `${key}:${value}`);
  // Its own process group, so stopping it also stops the workerd processes it starts.
  const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));

  const url = `http://127.0.0.1:${port}`;
  const worker: RunningWorker = {
    url,
    pid: child.pid!,
    output: () => output,
    stop: async () => {
      await stopGroup(child);
      rmSync(persistTo, { recursive: true, force: true });
      if (cwd !== ROOT) rmSync(cwd, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await worker.stop();
      throw new Error(`wrangler dev exited with ${child.exitCode} before it was ready:\n${output}`);
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return worker;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await worker.stop();
      throw new Error(`wrangler dev did not answer /health within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function snapshotSources(): string {
  mkdirSync(join(ROOT, ".build"), { recursive: true });
  const dir = mkdtempSync(join(ROOT, ".build", "worker-snapshot-"));
  for (const entry of ["worker", "schema", "wrangler.toml", "package.json", "tsconfig.json"]) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  return dir;
}

async function stopGroup(child: ChildProcess) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  signalGroup("SIGTERM");
  const timer = setTimeout(() => signalGroup("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
  signalGroup("SIGKILL"); // anything the leader left behind
}
