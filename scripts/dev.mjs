// `npm run dev`: local secrets on first run, D1 migrations, then `wrangler dev` on the port in
// wrangler.toml (8787). Extra arguments go to `wrangler dev`, e.g. `npm run dev -- --port 9000`.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = { ...process.env, PATH: `${join(root, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}` };
process.chdir(root);

const devVars = join(root, ".dev.vars");
if (!existsSync(devVars)) {
  const secret = randomBytes(36).toString("base64url"); // 48 characters
  writeFileSync(
    devVars,
    [
      "# Local settings for `wrangler dev` (not committed). See .dev.vars.example.",
      "ENVIRONMENT=development",
      `JWT_SECRET=${secret}`,
      `PASSWORD_PEPPER=${randomBytes(36).toString("base64url")}`,
      "# Real WeChat login needs the mini-program's credentials:",
      "# WECHAT_APPID=wx0000000000000000",
      "# WECHAT_SECRET=",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  console.log("Wrote .dev.vars (ENVIRONMENT=development, a random JWT_SECRET and PASSWORD_PEPPER).");
} else if (!/^PASSWORD_PEPPER=/m.test(readFileSync(devVars, "utf8"))) {
  // A .dev.vars from before the pepper: password sign-in refuses without one, so add it. Local
  // accounts made before keep working (their old hashes need no pepper).
  appendFileSync(devVars, `\nPASSWORD_PEPPER=${randomBytes(36).toString("base64url")}\n`);
  console.log("Added a random PASSWORD_PEPPER to .dev.vars.");
}

// stdin is not a TTY and CI is set, so wrangler applies without asking for confirmation. The main
// D1 and every summary shard (SUMMARIES_<i>, docs/scaling.md), each with its own migrations.
const bindings = [...readFileSync("wrangler.toml", "utf8").matchAll(/^\[\[d1_databases\]\]\s*\nbinding = "([A-Z0-9_]+)"/gm)].map((m) => m[1]);
for (const binding of bindings) {
  const migrate = spawnSync("wrangler", ["d1", "migrations", "apply", binding, "--local"], {
    env: { ...env, CI: "true" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (migrate.error) throw migrate.error;
  if (migrate.status !== 0) {
    console.error(`Applying D1 migrations to ${binding} failed; not starting the worker.`);
    process.exit(migrate.status ?? 1);
  }
}

const dev = spawn("wrangler", ["dev", ...process.argv.slice(2)], { env, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (dev.exitCode === null && dev.signalCode === null) dev.kill(signal);
  });
}
dev.on("error", (err) => {
  console.error(`Could not start wrangler: ${err.message}`);
  process.exit(1);
});
dev.on("exit", (code, signal) => {
  process.exit(code ?? (signal ? 128 + ({ SIGINT: 2, SIGHUP: 1, SIGTERM: 15 }[signal] ?? 1) : 1));
});
