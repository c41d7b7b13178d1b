// A CPU profile of the worker's isolate (every Durable Object and the Hono app share it under
// `wrangler dev`) through the inspector port wrangler opens: where the JavaScript time goes.
import WebSocket from "ws";

export interface ProfileSummary {
  /** Sampled milliseconds by function (self time), most expensive first. */
  top: { fn: string; ms: number; share: number }[];
  totalMs: number;
  /** The raw profile (Chrome DevTools .cpuprofile format). */
  raw: unknown;
}

export class IsolateProfiler {
  private ws: WebSocket | null = null;
  private nextId = 1;
  private pending = new Map<number, (r: any) => void>();

  /** The isolate's JS heap after a full collection (what live objects hold, unlike RSS). */
  static async heapAfterGc(inspectorPort: number): Promise<{ usedKiB: number; totalKiB: number } | null> {
    const p = await IsolateProfiler.connect(inspectorPort, false).catch(() => null);
    if (!p) return null;
    try {
      await p.call("HeapProfiler.collectGarbage").catch(() => undefined);
      const { usedSize, totalSize } = await p.call("Runtime.getHeapUsage");
      return { usedKiB: Math.round(usedSize / 1024), totalKiB: Math.round(totalSize / 1024) };
    } catch {
      return null;
    } finally {
      p.close();
    }
  }

  static async connect(inspectorPort: number, profile = true): Promise<IsolateProfiler> {
    const p = new IsolateProfiler();
    const ws = new WebSocket(`ws://127.0.0.1:${inspectorPort}/ws`);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    ws.on("message", (d) => {
      const m = JSON.parse(String(d));
      if (m.id !== undefined) p.pending.get(m.id)?.(m);
    });
    p.ws = ws;
    if (!profile) return p;
    await p.call("Profiler.enable");
    await p.call("Profiler.setSamplingInterval", { interval: 500 }); // µs
    return p;
  }

  private call(method: string, params: unknown = {}): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector: ${method} timed out`)), 30_000);
      this.pending.set(id, (m) => {
        clearTimeout(timer);
        this.pending.delete(id);
        if (m.error) reject(new Error(`inspector: ${method}: ${m.error.message}`));
        else resolve(m.result);
      });
      this.ws!.send(JSON.stringify({ id, method, params }));
    });
  }

  start = () => this.call("Profiler.start");

  async stop(): Promise<ProfileSummary> {
    const { profile } = await this.call("Profiler.stop");
    return summarise(profile);
  }

  close() {
    this.ws?.close();
  }
}

function summarise(profile: any): ProfileSummary {
  const byId = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]));
  const hits = new Map<number, number>();
  for (const s of profile.samples as number[]) hits.set(s, (hits.get(s) ?? 0) + 1);
  const deltas = profile.timeDeltas as number[];
  const totalUs = deltas.reduce((a, b) => a + b, 0);
  const perSampleMs = totalUs / 1000 / Math.max(1, profile.samples.length);
  const self = new Map<string, number>();
  for (const [id, n] of hits) {
    const f = byId.get(id)!.callFrame;
    const file = String(f.url).split("/").slice(-2).join("/");
    const key = f.url ? `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}` : f.functionName;
    self.set(key, (self.get(key) ?? 0) + n * perSampleMs);
  }
  const totalMs = totalUs / 1000;
  const top = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 30)
    .map(([fn, ms]) => ({ fn, ms: Math.round(ms), share: Math.round((ms / totalMs) * 1000) / 10 }));
  return { top, totalMs: Math.round(totalMs), raw: profile };
}
