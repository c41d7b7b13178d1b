// Hand-made mutants of the invariants users rely on, for code StrykerJS cannot reach (the Durable
// Objects run only in the Workers pool). Each mutant replaces one exact string in one file, runs
// the named test files, and counts as killed when they fail. The file is always restored.
//
//   npm run mutants                   every mutant
//   npm run mutants -- muted-admin    only those named
//   npm run mutants -- --list         names and invariants
//   npm run mutants -- --no-baseline  skip the first, unmutated run of the test files
//
// It refuses to start while a file it would change has uncommitted changes (restoring it would
// lose them). A search string that no longer matches (the code moved on) is reported as
// "search string not found" and fails the run: update the mutant rather than lose it.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

interface Mutant {
  id: string;
  /** The promise users rely on, which the mutant breaks. */
  invariant: string;
  file: string;
  search: string;
  replace: string;
  tests: string[];
}

const LOG = "worker/conversation/log.ts";
const FANOUT = "worker/conversation/fanout.ts";
const JOINING = "worker/conversation/joining.ts";
const MEMBERSHIP = "worker/conversation/membership.ts";
const DIRECT = "worker/conversation/direct-rules.ts";
// Who may post (membership, dissolution, mutes) is checked before a text is screened and again on append.
const SCREENING = "worker/conversation/screening.ts";

export const MUTANTS: Mutant[] = [
  {
    id: "muted-admin",
    invariant: "a muted admin cannot post",
    file: SCREENING,
    search: "if (member.mutedUntil !== null && member.mutedUntil > now)",
    replace: 'if (member.role === "member" && member.mutedUntil !== null && member.mutedUntil > now)',
    tests: ["tests/worker/groups-admin.test.ts"],
  },
  {
    id: "mute-all-everyone",
    invariant: "mute-all silences members only, not the owner and admins",
    file: SCREENING,
    search: 'if (member.role === "member" && m.muteAll)',
    replace: "if (m.muteAll)",
    tests: ["tests/worker/groups-admin.test.ts"],
  },
  {
    id: "admin-recalls-admin",
    invariant: "an admin cannot recall another admin's message",
    file: LOG,
    search: '(actor.role === "admin" && senderRole === "member")',
    replace: '(actor.role === "admin" && senderRole !== "owner")',
    tests: ["tests/worker/messages.test.ts"],
  },
  {
    id: "recall-window",
    invariant: "your own message can be recalled only within 2 minutes",
    file: LOG,
    search: "if (now - row.createdAt > L.recallWindowMs)",
    replace: "if (now - row.createdAt > L.recallWindowMs * 1000)",
    tests: ["tests/worker/messages.test.ts"],
  },
  {
    id: "push-before-summary",
    invariant: "no device hears of a message before its conversation list shows it",
    file: FANOUT,
    search: "await this.writer.write();",
    replace: "void this.writer.write().catch(() => undefined);",
    tests: ["tests/worker/sync.test.ts"],
  },
  {
    id: "history-setting-ignored",
    invariant: "with new members see history on, a member added later reads earlier history",
    file: JOINING,
    search: "const visibleFromSeq = m.newMembersSeeHistory ? 1 : joinSeq;",
    replace: "const visibleFromSeq = joinSeq;",
    tests: ["tests/worker/history-visibility.test.ts"],
  },
  {
    id: "history-always-open",
    invariant: "with it off (the default), history before joining stays hidden",
    file: JOINING,
    search: "const visibleFromSeq = m.newMembersSeeHistory ? 1 : joinSeq;",
    replace: "const visibleFromSeq = 1;",
    tests: ["tests/worker/messages.test.ts", "tests/worker/media-download.test.ts"],
  },
  {
    id: "history-floor",
    invariant: "history pages start at the member's first visible seq",
    file: LOG,
    search: "const floor = member.visibleFromSeq;",
    replace: "const floor = 1;",
    tests: ["tests/worker/messages.test.ts"],
  },
  {
    id: "reply-before-join",
    invariant: "a member cannot quote a message from before they joined while history is hidden",
    file: LOG,
    search: "if (!target || input.replyTo < member.visibleFromSeq)",
    replace: "if (!target)",
    tests: ["tests/worker/history-visibility.test.ts"],
  },
  {
    id: "cap-500-one-past",
    invariant: "a group holds 500: one more is refused with nothing written",
    file: JOINING,
    search: "if (s.members.size + userIds.length > L.groupMembersMax) {",
    replace: "if (s.members.size + userIds.length - 1 > L.groupMembersMax) {",
    tests: ["tests/worker/fanout.test.ts"],
  },
  {
    id: "own-unread",
    invariant: "your own messages are never unread",
    file: LOG,
    search: "    s.fanout.ownRead(senderId, row.seq);\n",
    replace: "",
    tests: ["tests/worker/conversations.test.ts"],
  },
  {
    id: "retry-stores-twice",
    invariant: "a retried send (same clientId) is stored once",
    file: LOG,
    search: "if (existing) return { conversationId: m.id,",
    replace: "if (existing && false) return { conversationId: m.id,",
    tests: ["tests/worker/messages.test.ts"],
  },
  {
    id: "seq-gap",
    invariant: "seq is gap-free",
    file: LOG,
    search: "  s.lastSeq = row.seq;\n  s.lastPreview = preview(row);",
    replace: "  s.lastSeq = row.seq + 1;\n  s.lastPreview = preview(row);",
    tests: ["tests/worker/messages.test.ts"],
  },
  {
    id: "left-still-member",
    invariant: "someone who left reads nothing more",
    file: MEMBERSHIP,
    search: "  s.members.delete(userId);\n  s.membersChanged();\n  if (dissolved)",
    replace: "  s.membersChanged();\n  if (dissolved)",
    tests: ["tests/worker/messages.test.ts"],
  },
  {
    id: "blocked-sends",
    invariant: "a blocked person's messages are refused",
    file: DIRECT,
    search: 'if (reason === "blocked") throw',
    replace: 'if (reason === "blocked" && false) throw',
    tests: ["tests/worker/blocks.test.ts"],
  },
  {
    id: "unread-arithmetic",
    invariant: "unread = last seq - read seq",
    file: "worker/services/conversations.ts",
    search: "unread: Math.max(read.markedUnread ? 1 : 0, sum.lastSeq - read.readSeq),",
    replace: "unread: Math.max(read.markedUnread ? 1 : 0, sum.lastSeq - read.readSeq - 1),",
    tests: ["tests/worker/conversations.test.ts"],
  },
  {
    id: "invite-used-up",
    invariant: "an invite stops at its use limit",
    file: "worker/data/invites.ts",
    search: "inv.uses >= inv.maxUses",
    replace: "inv.uses > inv.maxUses",
    tests: ["tests/worker/invites.test.ts"],
  },
  {
    id: "invite-expired",
    invariant: "an expired invite is refused",
    file: "worker/data/invites.ts",
    search: "if (inv.expiresAt <= now)",
    replace: "if (inv.expiresAt <= now - 86_400_000)",
    tests: ["tests/worker/invites.test.ts"],
  },
  {
    id: "refresh-reuse",
    invariant: "a refresh token used twice revokes the session (rotation)",
    file: "worker/services/tokens.ts",
    search: "if (!retry) {",
    replace: "if (!retry && false) {",
    tests: ["tests/worker/tokens.test.ts"],
  },
  {
    id: "signed-url-expiry",
    invariant: "a signed media URL stops working at its expiry",
    file: "worker/lib/media-url.ts",
    search: "if (expires * 1000 <= nowMs)",
    replace: "if (expires * 1000 + 3_600_000 <= nowMs)",
    tests: ["tests/worker/media-download.test.ts", "tests/unit/media-url.test.ts"],
  },
  {
    id: "hidden-ignored",
    invariant: "a message deleted for me stays out of my history, catch-up and single reads",
    file: "worker/conversation/hidden.ts",
    search: ".where(eq(hiddenMessages.userId, userId));",
    replace: '.where(eq(hiddenMessages.userId, "nobody"));',
    tests: ["tests/worker/hide-for-me.test.ts"],
  },
  {
    id: "client-gap-repair",
    invariant: "a pushed seq gap is pulled before anything newer is shown",
    file: "miniprogram/core/sync.ts",
    search: "if (m.seq === h.lastSeq + 1 && !h.pulling)",
    replace: "if (!h.pulling)",
    tests: ["tests/miniprogram/core/sync.test.ts"],
  },
  {
    id: "outbox-restart",
    invariant: "a message queued offline survives an app restart",
    file: "miniprogram/core/outbox.ts",
    search: "      this.entries = restored.concat(added);\n",
    replace: "      this.entries = added;\n",
    tests: ["tests/miniprogram/core/outbox.test.ts"],
  },
  {
    id: "outbox-sends-twice",
    invariant: "a queued message is sent once even when flushed twice at once",
    file: "miniprogram/core/outbox.ts",
    search: "if (this.inFlight.has(entry.clientId)) return;",
    replace: "if (this.inFlight.has(entry.clientId) && false) return;",
    tests: ["tests/miniprogram/core/outbox.test.ts"],
  },
  {
    id: "outbox-drops-at-ack",
    invariant: "a sent message stays on screen until the store holds it, even when the gap's pull fails",
    file: "miniprogram/core/outbox.ts",
    search: '      entry.status = "sent";\n',
    replace: '      this.entries = this.entries.filter((o) => o.clientId !== entry.clientId);\n      entry.status = "sent";\n',
    tests: ["tests/miniprogram/core/outbox-gap.test.ts"],
  },
  // Notices (docs/notices.md).
  {
    id: "notice-while-online",
    invariant: "nobody with a device online gets a WeChat notice",
    file: "worker/services/notice-sender.ts",
    search: "for (const ids of answers) for (const u of ids) out.add(u);",
    replace: "void answers;",
    tests: ["tests/worker/notice-sender.test.ts"],
  },
  {
    id: "notice-in-quiet-hours",
    invariant: "no notice inside the user's do-not-disturb hours",
    file: "worker/services/notice-sender.ts",
    search: "if (inQuietHours(now, a.c.utc_offset, dnd)) {",
    replace: "if (false && inQuietHours(now, a.c.utc_offset, dnd)) {",
    tests: ["tests/worker/notice-sender.test.ts"],
  },
  {
    id: "notice-per-message",
    invariant: "at most one notice a user within NOTICE_MIN_INTERVAL_SECONDS",
    file: "worker/services/notice-sender.ts",
    search: "AND (s.last_sent_at IS NULL OR s.last_sent_at <= ?)",
    replace: "AND (1 OR ?)",
    tests: ["tests/worker/notice-sender.test.ts"],
  },
  {
    id: "token-refresh-race",
    invariant: "callers meeting the same stale WeChat token share one refresh",
    file: "worker/wechat/object.ts",
    search: "if (held && held.token !== stale && held.expiresAt",
    replace: "if (held && false && held.token !== stale && held.expiresAt",
    tests: ["tests/worker/wechat-token.test.ts"],
  },
];

const ROOT = join(import.meta.dirname, "..");

function projectOf(test: string): string {
  if (test.startsWith("tests/worker/")) return "worker";
  if (test.startsWith("tests/unit/")) return "unit";
  if (test.startsWith("tests/miniprogram/")) return "miniprogram";
  throw new Error(`no vitest project for ${test}`);
}

function count(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}

type Outcome = "killed" | "survived" | "search string not found" | "search string matches more than once";

const LOGS = join(ROOT, "reports", "mutants");

/** Runs the files; the output goes to reports/mutants/<name>.log (failing test names are printed). */
function runTests(tests: string[], name: string): { ok: boolean; seconds: number } {
  const projects = [...new Set(tests.map(projectOf))].flatMap((p) => ["--project", p]);
  const started = Date.now();
  const res = spawnSync("npx", ["vitest", "run", "--no-color", ...projects, ...tests], { cwd: ROOT, encoding: "utf8", timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 });
  mkdirSync(LOGS, { recursive: true });
  const output = `${res.stdout ?? ""}${res.stderr ?? ""}`;
  writeFileSync(join(LOGS, `${name}.log`), output);
  const failed = output.split("\n").filter((l) => /^\s*(×|FAIL)/.test(l));
  if (res.status !== 0) for (const l of failed.slice(0, 6)) console.log(`    ${l.trim()}`);
  return { ok: res.status === 0, seconds: Math.round((Date.now() - started) / 1000) };
}

function main() {
  const args = process.argv.slice(2);
  if (args.includes("--list")) {
    for (const m of MUTANTS) console.log(`${m.id.padEnd(24)} ${m.invariant}`);
    return;
  }
  const names = args.filter((a) => !a.startsWith("--"));
  const chosen = names.length ? MUTANTS.filter((m) => names.includes(m.id)) : MUTANTS;
  const unknown = names.filter((a) => !MUTANTS.some((m) => m.id === a));
  if (unknown.length) throw new Error(`unknown mutants: ${unknown.join(", ")} (see --list)`);

  const files = [...new Set(chosen.map((m) => m.file))];
  const dirty = spawnSync("git", ["status", "--porcelain", "--", ...files], { cwd: ROOT, encoding: "utf8" }).stdout.trim();
  if (dirty) {
    console.error(`Refusing to start: these files have uncommitted changes, which restoring would lose:\n${dirty}`);
    process.exit(2);
  }

  // A mutant is only "killed" if its tests pass without it: check them once, unmutated.
  if (!args.includes("--no-baseline")) {
    const tests = [...new Set(chosen.flatMap((m) => m.tests))];
    let { ok, seconds } = runTests(tests, "baseline");
    // Timing-based specs (the send rate limit) can fail on a machine under heavy load: try once more.
    if (!ok) ({ ok, seconds } = runTests(tests, "baseline"));
    console.log(`baseline: the ${tests.length} test files ${ok ? "pass" : "FAIL"} without mutants (${seconds} s)`);
    if (!ok) {
      console.error("Fix the tests first: a failing file would count every mutant as killed.");
      process.exit(2);
    }
  }

  const results: { m: Mutant; outcome: Outcome; seconds: number }[] = [];
  let restoring: (() => void) | null = null;
  const onSignal = () => {
    restoring?.();
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  for (const m of chosen) {
    const path = join(ROOT, m.file);
    const original = readFileSync(path, "utf8");
    const hits = count(original, m.search);
    if (hits !== 1) {
      const outcome: Outcome = hits === 0 ? "search string not found" : "search string matches more than once";
      results.push({ m, outcome, seconds: 0 });
      console.log(`${m.id}: ${outcome.toUpperCase()} in ${m.file}: ${JSON.stringify(m.search)}`);
      continue;
    }
    restoring = () => writeFileSync(path, original);
    try {
      writeFileSync(
        path,
        original.replace(m.search, () => m.replace),
      );
      const { ok, seconds } = runTests(m.tests, m.id);
      const outcome: Outcome = ok ? "survived" : "killed";
      results.push({ m, outcome, seconds });
      console.log(`${m.id}: ${outcome} (${seconds} s; ${m.tests.join(", ")})`);
    } finally {
      writeFileSync(path, original);
      restoring = null;
    }
  }

  console.log("\nmutant                   result                   invariant");
  for (const r of results) console.log(`${r.m.id.padEnd(24)} ${r.outcome.padEnd(24)} ${r.m.invariant}`);
  const killed = results.filter((r) => r.outcome === "killed").length;
  console.log(`\n${killed}/${results.length} killed`);
  if (killed !== results.length) process.exitCode = 1;
}

// Run as a script only: tests import MUTANTS to check every search string still matches.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
