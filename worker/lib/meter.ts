// Request metering (docs/scaling.md#simulation): how many requests each Durable Object instance
// received, by method, and how many statements and batches each D1 binding ran. The simulation of
// a large deployment reads it to compare per-object rates with the capacity model's predictions.
// Counting is a Map increment per request, in memory only (no storage write on the hot path, and
// nothing survives the isolate): cheap enough to stay on everywhere, so the Workers-pool specs
// see the same counts as `wrangler dev`. Reading it is development only (GET /dev/meter).
// Objects count in a registry of the isolate rather than on the instance: an evicted or
// hibernated object's counts stay, and one route reads them all where the Worker and its objects
// share an isolate (workerd locally, the Workers pool). In production every object has its own
// isolate, which is one more reason the route is for development only.

/** Requests one object received: the total and by method (RPC methods, fetch, webSocketMessage, alarm). */
export interface ObjectMeter {
  requests: number;
  byMethod: Record<string, number>;
}

/** What one D1 binding ran: statements (one per statement, in a batch or alone) and round trips. */
export interface DatabaseMeter {
  statements: number;
  /** `batch()` calls. */
  batches: number;
  /** Statements run alone (`run`, `all`, `first`, `raw`) and `exec` calls. */
  single: number;
}

export interface MeterSnapshot {
  /** kind ("conversation", "gateway", …) → object id (hex) → its counts. */
  objects: Record<string, Record<string, ObjectMeter>>;
  /** binding name (DB, or a shard's binding) → its counts. */
  databases: Record<string, DatabaseMeter>;
}

const objects = new Map<string, Map<string, ObjectMeter>>();
const databases = new Map<string, DatabaseMeter>();

/** Objects remembered per kind: an isolate that lives long among many objects forgets, rather than grows. */
const MAX_OBJECTS = 100_000;

export function countRequest(kind: string, id: string, method: string): void {
  let ofKind = objects.get(kind);
  if (!ofKind) objects.set(kind, (ofKind = new Map()));
  if (ofKind.size >= MAX_OBJECTS && !ofKind.has(id)) ofKind.clear();
  let m = ofKind.get(id);
  if (!m) ofKind.set(id, (m = { requests: 0, byMethod: {} }));
  m.requests++;
  m.byMethod[method] = (m.byMethod[method] ?? 0) + 1;
}

function database(binding: string): DatabaseMeter {
  let d = databases.get(binding);
  if (!d) databases.set(binding, (d = { statements: 0, batches: 0, single: 0 }));
  return d;
}

/** A copy of every count so far (callers diff two snapshots to measure an interval). */
export function meterSnapshot(): MeterSnapshot {
  const out: MeterSnapshot = { objects: {}, databases: {} };
  for (const [kind, ofKind] of objects) {
    const k: Record<string, ObjectMeter> = {};
    for (const [id, m] of ofKind) k[id] = { requests: m.requests, byMethod: { ...m.byMethod } };
    out.objects[kind] = k;
  }
  for (const [binding, d] of databases) out.databases[binding] = { ...d };
  return out;
}

/** Tests: forget every count. */
export function resetMeter(): void {
  objects.clear();
  databases.clear();
}

// ---- objects ----------------------------------------------------------------------------

/** Each object's id as hex, made once: toString() on every request was a cost of its own. */
const ids = new WeakMap<DurableObjectState, string>();
function idOf(ctx: DurableObjectState): string {
  let id = ids.get(ctx);
  if (id === undefined) ids.set(ctx, (id = ctx.id.toString()));
  return id;
}

// Not requests: the constructor, and accessors (test hooks such as summaryGate).
const SKIP = new Set(["constructor"]);

/**
 * Counts every call of the class's methods, one line at the class's definition instead of one per
 * method (RPC methods must live on the prototype, so they are wrapped there, in place). Handler
 * methods (fetch, webSocketMessage, webSocketClose, alarm) are counted by their names too.
 * `internal` names the class's private methods: TypeScript's `private` is not visible at run time,
 * and a call the object makes to itself is not a request.
 */
export function meterMethods(cls: { prototype: object }, kind: string, internal: string[] = []): void {
  const proto = cls.prototype as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (SKIP.has(name) || internal.includes(name)) continue;
    const desc = Object.getOwnPropertyDescriptor(proto, name);
    if (!desc || typeof desc.value !== "function" || (desc.value as { metered?: boolean }).metered) continue;
    const original = desc.value as (...args: unknown[]) => unknown;
    const wrapped = function (this: { ctx: DurableObjectState }, ...args: unknown[]) {
      countRequest(kind, idOf(this.ctx), name);
      return original.apply(this, args);
    };
    Object.defineProperty(wrapped, "metered", { value: true });
    Object.defineProperty(proto, name, { ...desc, value: wrapped });
  }
}

// ---- D1 ---------------------------------------------------------------------------------

const METERED = Symbol("metered");

function isD1(v: unknown): v is D1Database {
  if (typeof v !== "object" || v === null) return false;
  const d = v as Partial<Record<"prepare" | "batch" | "exec" | "fetch", unknown>>;
  // A service binding or the static assets' Fetcher is a stub that answers every property with a
  // function, prepare and batch included; D1 has no fetch, so a stub is told apart by having one.
  return typeof d.prepare === "function" && typeof d.batch === "function" && typeof d.exec === "function" && typeof d.fetch !== "function";
}

/** A statement that counts itself when it runs alone; `batch` unwraps it to the real one. */
class MeteredStatement {
  constructor(
    readonly real: D1PreparedStatement,
    private readonly meter: DatabaseMeter,
  ) {}
  bind(...values: unknown[]) {
    return new MeteredStatement(this.real.bind(...values), this.meter);
  }
  first(column?: string) {
    this.meter.statements++;
    this.meter.single++;
    return column === undefined ? this.real.first() : this.real.first(column);
  }
  run() {
    this.meter.statements++;
    this.meter.single++;
    return this.real.run();
  }
  all() {
    this.meter.statements++;
    this.meter.single++;
    return this.real.all();
  }
  raw(options?: { columnNames?: boolean }) {
    this.meter.statements++;
    this.meter.single++;
    return options?.columnNames ? this.real.raw({ columnNames: true }) : this.real.raw();
  }
}

function meteredD1(binding: string, real: D1Database): D1Database {
  const meter = database(binding);
  const unwrap = (s: D1PreparedStatement) => (s instanceof MeteredStatement ? s.real : s) as D1PreparedStatement;
  const wrapped = {
    [METERED]: true,
    prepare: (query: string) => new MeteredStatement(real.prepare(query), meter),
    batch: (statements: D1PreparedStatement[]) => {
      meter.batches++;
      meter.statements += statements.length;
      return real.batch(statements.map(unwrap));
    },
    exec: (query: string) => {
      meter.single++;
      meter.statements++;
      return real.exec(query);
    },
    withSession: (...args: Parameters<D1Database["withSession"]>) => real.withSession(...args),
    dump: () => real.dump(),
  };
  return wrapped as unknown as D1Database;
}

/**
 * The bindings with every D1 database wrapped to count by its binding name (so databases added
 * later, such as shards of the per-message state, are counted without changes here). Everything
 * else is the same binding object.
 */
export function meterEnv<E extends object>(env: E): E {
  let out: Record<string, unknown> | null = null;
  for (const [name, value] of Object.entries(env)) {
    if (!isD1(value) || (value as unknown as Record<symbol, unknown>)[METERED]) continue;
    out ??= { ...(env as Record<string, unknown>) };
    out[name] = meteredD1(name, value);
  }
  return (out ?? env) as E;
}
