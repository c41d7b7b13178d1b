// A tiny run of the large-deployment simulation (scripts/simulate/run.ts, docs/scaling.md#simulation):
// 200 users, 20 conversations, 10 seconds against its own `wrangler dev`. Checks that the whole
// path works (bulk seeding, sockets, the meter) and that nothing is lost or duplicated; the
// figures themselves are for `npm run simulate`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

describe("the simulation of a large deployment, scaled to a smoke run", () => {
  it("seeds, connects and sends, meters every object kind and loses or duplicates nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "qun-sim-"));
    const out = join(dir, "report.json");
    try {
      const run = spawnSync(
        process.execPath,
        ["--no-warnings", join(ROOT, "scripts/simulate/run.ts"), "--users", "200", "--conversations", "20", "--online", "0.3", "--rate", "5", "--seconds", "10", "--out", out],
        { cwd: ROOT, encoding: "utf8", timeout: 85_000 },
      );
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
      const report = JSON.parse(readFileSync(out, "utf8"));
      expect(report.population).toMatchObject({ users: 200, online: 60, conversations: 20 });
      expect(report.traffic.sent).toBeGreaterThan(20);
      expect(report.traffic.acked).toBe(report.traffic.sent);
      expect(report.traffic.lost).toBe(0);
      expect(report.traffic.duplicates).toBe(0);
      expect(report.traffic.delivered).toBe(report.traffic.expected);
      // Every message is one `send` at its conversation and one socket frame at its sender's shard.
      expect(report.measured.conversation.byMethod.send).toBe(report.traffic.sent);
      // (and its read frames, the last of which may arrive after the meter's reading)
      expect(report.measured.gateway.byMethod.webSocketMessage).toBeGreaterThanOrEqual(report.traffic.sent);
      expect(report.measured.gateway.byMethod.webSocketMessage).toBeLessThanOrEqual(report.traffic.sent + report.traffic.readsSent);
      // Flushes write summaries and read positions to the summary shards, none to DB (docs/scaling.md#summary-shards).
      const d1 = report.measured.d1 as { binding: string; batches: number }[];
      expect(d1.filter((d) => d.binding.startsWith("SUMMARIES_")).reduce((n, d) => n + d.batches, 0)).toBeGreaterThan(0);
      expect(d1.find((d) => d.binding === "DB")?.batches).toBe(0);
      expect(report.comparison.map((c: { figure: string }) => c.figure)).toContain("deliverCallsPerMessage");
      expect(run.stdout).toContain("| figure | predicted | measured | difference |");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
