// `npm run capacity`: prints the capacity table of docs/scaling.md for today's design and the
// alternatives it weighs, and writes it as JSON to bench-results/. Flags:
//   --bench <report.json>   take the measured costs from a bench report (npm run bench)
//   --d1-batch-ms <ms>      the duration assumed for one D1 write batch (default 1)
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { INPUTS, SOURCES, STEPS } from "./inputs.ts";
import { ceilings, d1Ceiling, type Inputs, type Load, loadAt, shardsNeeded } from "./model.ts";

interface StepRun {
  rate: number;
  members: number;
  cpuUsPerDelivery?: Record<string, number>;
}

/** The measured costs a bench report can replace: the per-message cost at 50 members, the per-socket cost at 500. */
export function measuredFromBench(report: unknown, base: Inputs["measured"], shards: number): { measured: Inputs["measured"]; notes: string[] } {
  const notes: string[] = [];
  const measured = { ...base };
  const sweeps = (report as { results?: { qun?: { sweeps?: Record<string, StepRun[]> } } }).results?.qun?.sweeps ?? {};
  const cpu = (members: number, rate: number) => sweeps[String(members)]?.find((r) => r.rate === rate)?.cpuUsPerDelivery?.["workerd (qun)"];
  const at500 = cpu(500, 20);
  if (at500 !== undefined) {
    // The profile puts the socket write at about 28% of the isolate at this step.
    measured.socketFrameMs = (at500 * 0.28) / 1000;
    notes.push(`socket frame ${measured.socketFrameMs.toFixed(3)} ms from 500 members at 20 msg/s (${at500} µs per delivery)`);
  }
  const at50 = cpu(50, 20);
  if (at50 !== undefined) {
    const perMessage = (at50 * 50) / 1000;
    const rest = perMessage - shards * (measured.shardCallCallerMs + measured.shardCallGatewayMs) - 50 * measured.socketFrameMs;
    measured.sendMs = Math.max(0.5, rest);
    notes.push(`send ${measured.sendMs.toFixed(2)} ms from 50 members at 20 msg/s (${perMessage.toFixed(1)} ms per message)`);
  }
  // With every member reading (--readers), the direct chats' D1 batches per message (the bench counts them).
  const r = report as { machine?: { readers?: boolean }; results?: { qun?: { direct?: { d1?: { batchesPerMessage?: number } } } } };
  const d1 = r.results?.qun?.direct?.d1?.batchesPerMessage;
  if (r.machine?.readers && d1 !== undefined) {
    measured.d1BatchesPerMessage = d1;
    notes.push(`${d1} D1 batches per message from the direct chats with every member reading`);
  }
  return { measured, notes };
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const int = (x: number) => Math.round(x).toLocaleString("en-US");
const usd = (x: number) => `$${Math.round(x).toLocaleString("en-US")}`;

interface Design {
  title: string;
  inputs: Inputs;
  /** Gateway shards grown to what each step needs (50% headroom) instead of the configured count. */
  shardsAsNeeded: boolean;
}

type Row = Load & { shards: number };

function rowsOf(design: Design): Row[] {
  return STEPS.map((step) => {
    const shards = design.shardsAsNeeded ? (shardsNeeded(design.inputs, step) ?? design.inputs.design.gatewayShards) : design.inputs.design.gatewayShards;
    const sized = { ...design.inputs, design: { ...design.inputs.design, gatewayShards: shards } };
    // Sharded D1 grows with the load too: enough databases to keep each writer half busy.
    if (design.shardsAsNeeded && sized.design.summaries === "d1-sharded") {
      const one = loadAt({ ...sized, design: { ...sized.design, d1Shards: 1 } }, step).d1.busyShare;
      sized.design.d1Shards = Math.max(1, Math.ceil(one / 0.5));
    }
    return { ...loadAt(sized, step), shards };
  });
}

function table(design: Design, rows: Row[]): string {
  const head = "| online | msg/s | shards | sockets per shard | requests per shard /s | gateway CPU | hottest group req/s, CPU | D1 writer busy | first limit | per month |";
  const lines = rows.map(
    (r) =>
      `| ${int(r.step.online)} | ${int(r.step.messagesPerSecond)} | ${int(r.shards)} | ${int(r.gateway.socketsPerShard)} | ${int(r.gateway.requestsPerShard)} | ${pct(r.gateway.cpuShare)} | ${int(r.hottestConversation.requestsPerSecond)}, ${pct(r.hottestConversation.cpuShare)} | ${r.d1.writeBatchesPerSecond > 0 ? `${pct(r.d1.busyShare)}${r.d1.databases > 1 ? ` of ${r.d1.databases}` : ""}` : "none"} | ${r.first.limit} (${pct(r.first.share)}) | ${usd(r.monthly.total)} |`,
  );
  const ceiling = d1Ceiling(design.inputs);
  const d1 =
    design.inputs.design.summaries === "d1-sharded" && design.shardsAsNeeded
      ? "D1 databases added with the load, each kept half busy."
      : Number.isFinite(ceiling)
        ? `The D1 writer saturates at ${int(ceiling)} msg/s.`
        : "No D1 write per message.";
  const walls = design.shardsAsNeeded
    ? ""
    : ` Limits reached, in order: ${ceilings(design.inputs, STEPS[0] ?? { online: 10_000, messagesPerSecond: 100 })
        .map((c) => `${c.limit} at ${int(c.messagesPerSecond)} msg/s (${int(c.online)} online)`)
        .join("; ")}.`;
  const first = rows[0];
  const per = first ? `Per message: ${first.objectRequestsPerMessage.toFixed(1)} Durable Object requests, ${first.rowsWrittenPerMessage.toFixed(1)} rows written.` : "";
  return [`### ${design.title}`, "", `${d1} ${per}${walls}`, "", head, `| ${"--- | ".repeat(10).trim()}`, ...lines].join("\n");
}

function costTable(design: Design, rows: Row[]): string {
  const names = Object.keys(rows[0]?.monthly.parts ?? {});
  return [
    `### Monthly cost by part: ${design.title}`,
    "",
    `| online | msg/s | ${names.join(" | ")} | total |`,
    `| ${"--- | ".repeat(names.length + 3).trim()}`,
    ...rows.map((r) => `| ${int(r.step.online)} | ${int(r.step.messagesPerSecond)} | ${Object.values(r.monthly.parts).map(usd).join(" | ")} | ${usd(r.monthly.total)} |`),
  ].join("\n");
}

export function designs(inputs: Inputs): Design[] {
  const d = inputs.design;
  return [
    { title: `Today: 16 shards, only shards with a member online called, summaries in ${d.d1Shards} D1 shards by conversation, reads riding the next flush`, inputs, shardsAsNeeded: false },
    {
      title: "Before: 16 shards, only shards with a member online called, one D1 written by every flush and every read",
      inputs: { ...inputs, design: { ...d, summaries: "d1", d1Shards: 1, readsRideFlush: false } },
      shardsAsNeeded: false,
    },
    {
      title: "Shards as needed, online shards only, D1 sharded by conversation as needed",
      inputs: { ...inputs, design: { ...d, onlineShardsOnly: true, summaries: "d1-sharded" } },
      shardsAsNeeded: true,
    },
    {
      title: "As design 3, and a conversation reaches the shards through at most 16 relays",
      inputs: { ...inputs, design: { ...d, onlineShardsOnly: true, summaries: "d1-sharded", relays: 16 } },
      shardsAsNeeded: true,
    },
    { title: "Shards as needed, summaries kept by the user's gateway shard", inputs: { ...inputs, design: { ...d, onlineShardsOnly: false, summaries: "shard-inbox" } }, shardsAsNeeded: true },
    { title: "Shards as needed, online shards only, one inbox object per user", inputs: { ...inputs, design: { ...d, onlineShardsOnly: true, summaries: "user-inbox" } }, shardsAsNeeded: true },
  ];
}

function main() {
  const { values } = parseArgs({ options: { bench: { type: "string" }, "d1-batch-ms": { type: "string" } } });
  const inputs: Inputs = structuredClone(INPUTS);
  const notes: string[] = [];
  if (values.bench) {
    const fromBench = measuredFromBench(JSON.parse(readFileSync(values.bench, "utf8")), inputs.measured, inputs.design.gatewayShards);
    inputs.measured = fromBench.measured;
    notes.push(`Measured costs from ${values.bench}: ${fromBench.notes.join("; ") || "none found, defaults kept"}.`);
  }
  if (values["d1-batch-ms"]) inputs.limits.d1WriteBatchMs = Number(values["d1-batch-ms"]);
  notes.push(`One D1 write batch assumed to take ${inputs.limits.d1WriteBatchMs} ms.`);

  const all = designs(inputs).map((design) => ({ design, rows: rowsOf(design) }));
  const summary = [
    "### The designs side by side: first limit and monthly cost",
    "",
    `| online | msg/s | ${all.map((_, i) => `design ${i + 1}`).join(" | ")} |`,
    `| ${"--- | ".repeat(all.length + 2).trim()}`,
    ...STEPS.map(
      (step, i) =>
        `| ${int(step.online)} | ${int(step.messagesPerSecond)} | ${all
          .map(({ rows }) => {
            const r = rows[i];
            return r ? `${usd(r.monthly.total)}${r.first.share > 1 ? `, over: ${r.first.limit}` : ""}` : "";
          })
          .join(" | ")} |`,
    ),
  ].join("\n");
  const out = [
    ...notes,
    ...all.map(({ design, rows }, i) => table({ ...design, title: `Design ${i + 1}. ${design.title}` }, rows)),
    summary,
    ...all
      .slice(0, 1)
      .concat(all.slice(3, 4))
      .map(({ design, rows }) => costTable(design, rows)),
    ["Sources:", ...Object.values(SOURCES).map((s) => `- ${s}`)].join("\n"),
  ];
  console.log(out.join("\n\n"));
  mkdirSync("bench-results", { recursive: true });
  const file = `bench-results/capacity-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  writeFileSync(
    file,
    JSON.stringify({ at: new Date().toISOString(), inputs, notes, designs: all.map(({ design, rows }) => ({ title: design.title, shardsAsNeeded: design.shardsAsNeeded, rows })) }, null, 1),
  );
  console.log(`\nwritten: ${file}`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
