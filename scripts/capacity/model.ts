// The capacity model of docs/scaling.md: from per-operation costs measured on this machine and
// Cloudflare's published limits and prices, what each part of Qun carries as users online and
// messages per second grow, which limit is reached first, and what a month costs. Pure functions
// of their inputs (scripts/capacity/inputs.ts), so the table is re-derived when a cost changes.

/** One deployment size: users online at the busy hour and the messages a second they send. */
export interface Step {
  online: number;
  messagesPerSecond: number;
}

/** A kind of conversation, with the share of all messages sent in it. */
export interface ConversationKind {
  name: string;
  members: number;
  share: number;
}

export interface Inputs {
  traffic: {
    /** Sockets per online user (a phone, sometimes also a computer). */
    devicesPerOnlineUser: number;
    /** The chance that a member of a conversation is online when a message arrives. */
    memberOnlineChance: number;
    /** Where messages are sent; shares add up to 1. */
    mix: ConversationKind[];
    /** Of a message's online recipients, how many report a read within the coalescing window (chat open). */
    readersPerOnlineRecipient: number;
    /** Socket reconnects per socket per hour (mobile networks, app switches). */
    reconnectsPerSocketHour: number;
    /** Worker (HTTP) requests per message besides the send: catch-up pages, media, lists. */
    httpRequestsPerMessage: number;
    /** Share of messages that carry media (one R2 write, a read by each online recipient). */
    mediaShare: number;
    /** The month's average traffic as a share of the busy hour's (the steps are busy hours). */
    averageShareOfPeak: number;
    /** The busiest single group: its members and its peak rate (a class, a company announcement). */
    hottestGroup: { members: number; messagesPerSecond: number };
  };
  /** Measured here: CPU of one thread of local workerd, docs/performance.md. */
  measured: {
    /** Conversation object: validate, store (SQLite + search index), ack; per message. */
    sendMs: number;
    /** One conversation → gateway RPC, the caller's part. */
    shardCallCallerMs: number;
    /** The same RPC, the gateway's part (decode, look up sockets). */
    shardCallGatewayMs: number;
    /** One frame written to one socket. */
    socketFrameMs: number;
    /** One read report handled by the conversation object (coalesced per gateway window). */
    readMs: number;
    /** Wall time a conversation object is busy per message (awaits included): duration billing. */
    conversationWallMs: number;
    /** Worker CPU per HTTP request (routing, auth, validation). */
    workerRequestCpuMs: number;
    /**
     * D1 write batches per message where reads ride the next flush (design.readsRideFlush): the
     * bench's direct chats with every member reading (`--readers`), whose reads come within a
     * second of the message and often before the next one.
     */
    d1BatchesPerMessage: number;
    /** D1 rows written by one summary batch (index entries included, as billed). */
    d1RowsPerMessage: number;
  };
  design: {
    gatewayShards: number;
    /** true: a flush calls only shards with a member online; false: every shard holding a member. */
    onlineShardsOnly: boolean;
    /**
     * Where the per-user state every message changes (conversation summary, read positions) lives:
     * "d1" one D1 database written by every flush (today); "d1-sharded" `d1Shards` databases by
     * conversation id; "user-inbox" one object per user, told of every message; "shard-inbox" the
     * gateway shard that holds the user's sockets keeps it, told once per distinct shard.
     */
    summaries: "d1" | "d1-sharded" | "user-inbox" | "shard-inbox";
    d1Shards: number;
    /**
     * false: a read reported on its own makes a flush and a D1 batch of its own (before decision 3);
     * true: it waits up to a second for the next message's batch (READ_WRITE_DELAY_MS), so a
     * message costs measured.d1BatchesPerMessage batches.
     */
    readsRideFlush: boolean;
    /** The gateway holds read reports this long per conversation before one RPC (READ_COALESCE_MS). */
    readCoalesceMs: number;
    /** 0: a conversation calls every gateway shard itself; n: it calls at most n relays that call the shards. */
    relays: number;
    /** SQLite rows the conversation object writes per message (the message, its search-index rows). */
    conversationRowsPerMessage: number;
  };
  /** Published by Cloudflare (sources in inputs.ts). */
  limits: {
    objectRequestsPerSecond: number;
    socketsPerObject: number;
    /** A D1 database runs one query at a time; this is the duration assumed for one write batch. */
    d1WriteBatchMs: number;
  };
  prices: {
    baseMonthly: number;
    workerRequestsIncluded: number;
    workerRequestPerMillion: number;
    workerCpuMsIncluded: number;
    workerCpuPerMillionMs: number;
    objectRequestsIncluded: number;
    objectRequestPerMillion: number;
    /** Incoming WebSocket messages are billed as one request per this many. */
    webSocketMessagesPerRequest: number;
    objectGbSecondsIncluded: number;
    objectPerMillionGbSeconds: number;
    objectMemoryGb: number;
    /** D1 and SQLite-backed Durable Objects bill rows written alike. */
    rowsWrittenIncluded: number;
    perMillionRowsWritten: number;
    r2ClassAPerMillion: number;
    r2ClassBPerMillion: number;
  };
}

const SECONDS_PER_MONTH = 30 * 24 * 3600;

/** Calls a conversation makes itself for one flush: the shards, or at most `relays` relays that call them. */
export function callsFromConversation(shards: number, relays: number): number {
  return relays > 0 ? Math.min(shards, relays) : shards;
}

/** Expected number of distinct shards that `n` users fall into when spread evenly over `s`. */
export function distinctShards(n: number, s: number): number {
  if (n <= 0 || s <= 0) return 0;
  return s * (1 - (1 - 1 / s) ** n);
}

export interface Load {
  step: Step;
  /** Per message, averaged over the mix. */
  perMessage: { onlineRecipients: number; shardCalls: number; socketFrames: number; readReports: number };
  gateway: { socketsPerShard: number; requestsPerShard: number; cpuShare: number };
  hottestConversation: { requestsPerSecond: number; cpuShare: number };
  d1: { databases: number; writeBatchesPerSecond: number; busyShare: number };
  rowsWrittenPerMessage: number;
  objectRequestsPerMessage: number;
  /** Each limit's share (1 is the limit), and the largest of them. */
  shares: Record<string, number>;
  first: { limit: string; share: number };
  monthly: { total: number; parts: Record<string, number> };
}

/** The load one step puts on each part, against its limit (shares: 1 is the limit). */
export function loadAt(inputs: Inputs, step: Step): Load {
  const { traffic, measured, design, limits } = inputs;
  const s = design.gatewayShards;
  let onlineRecipients = 0;
  let shardCalls = 0;
  let readReports = 0;
  let members = 0;
  let memberShards = 0;
  let relayCalls = 0;
  for (const kind of traffic.mix) {
    const others = kind.members - 1;
    const online = others * traffic.memberOnlineChance;
    // The sender's own other devices hear the message too (their shard is usually among them).
    const reached = design.onlineShardsOnly ? online + 1 : kind.members;
    onlineRecipients += kind.share * online;
    const touched = distinctShards(design.summaries === "shard-inbox" ? kind.members : reached, s);
    shardCalls += kind.share * touched;
    if (design.relays > 0 && touched > design.relays) relayCalls += kind.share * design.relays;
    readReports += kind.share * online * traffic.readersPerOnlineRecipient;
    members += kind.share * kind.members;
    memberShards += kind.share * distinctShards(kind.members, s);
  }
  const inboxCalls = design.summaries === "user-inbox" ? members + readReports : 0;
  const socketFrames = onlineRecipients * traffic.devicesPerOnlineUser;
  const m = step.messagesPerSecond;

  const sockets = step.online * traffic.devicesPerOnlineUser;
  const reconnectsPerSecond = (sockets * traffic.reconnectsPerSocketHour) / 3600;
  // Into the gateways: pushes from conversations, every socket frame from clients (sends, reads), connects.
  const gatewayRequests = m * shardCalls + m + m * readReports + reconnectsPerSecond;
  const gatewayCpuMs = m * shardCalls * measured.shardCallGatewayMs + m * socketFrames * measured.socketFrameMs + m * readReports * 0.02;

  // The hottest group: every send, and read reports at most one per shard per coalescing window.
  const hot = traffic.hottestGroup;
  const hotOnline = (hot.members - 1) * traffic.memberOnlineChance;
  const hotReaders = hotOnline * traffic.readersPerOnlineRecipient;
  // A client reports at most one read a second per open chat; a gateway folds what arrives within
  // its window into one call per conversation.
  const hotReadRpcs = Math.min(hotReaders * Math.min(1, hot.messagesPerSecond), distinctShards(hotReaders, s) * (1000 / design.readCoalesceMs));
  const hotShards = callsFromConversation(distinctShards(design.summaries === "shard-inbox" ? hot.members : design.onlineShardsOnly ? hotOnline + 1 : hot.members, s), design.relays);
  const hotRequests = hot.messagesPerSecond + hotReadRpcs;
  const hotCpuMs = hot.messagesPerSecond * (measured.sendMs + hotShards * measured.shardCallCallerMs) + hotReadRpcs * measured.readMs;

  // D1: a flush per message (conversations are slow one by one, so flushes rarely coalesce)
  // and, unless reads ride the next flush, one per burst of read reports; each flush is one write batch.
  const onD1 = design.summaries === "d1" || design.summaries === "d1-sharded";
  const d1Batches = onD1 ? m * (design.readsRideFlush ? measured.d1BatchesPerMessage : 1 + Math.min(1, readReports)) : 0;
  const d1Databases = design.summaries === "d1-sharded" ? design.d1Shards : 1;
  // Rows every message writes anywhere: the conversation's own, and the summaries wherever they live.
  const summaryRows = design.summaries === "user-inbox" ? members + readReports : design.summaries === "shard-inbox" ? memberShards + readReports : measured.d1RowsPerMessage + readReports;
  // The conversation keeps read positions in its own SQLite too.
  const rowsPerMessage = design.conversationRowsPerMessage + readReports + summaryRows;

  const gateway = {
    socketsPerShard: sockets / s,
    requestsPerShard: gatewayRequests / s,
    cpuShare: gatewayCpuMs / s / 1000,
  };
  const hottestConversation = { requestsPerSecond: hotRequests, cpuShare: hotCpuMs / 1000 };
  const d1 = { databases: d1Databases, writeBatchesPerSecond: d1Batches, busyShare: (d1Batches * limits.d1WriteBatchMs) / 1000 / d1Databases };
  const shares: [string, number][] = [
    ["gateway sockets per object", gateway.socketsPerShard / limits.socketsPerObject],
    ["gateway requests per object", gateway.requestsPerShard / limits.objectRequestsPerSecond],
    ["gateway CPU (one thread)", gateway.cpuShare],
    ["hottest conversation requests", hottestConversation.requestsPerSecond / limits.objectRequestsPerSecond],
    ["hottest conversation CPU", hottestConversation.cpuShare],
    ["D1 writer", d1.busyShare],
  ];
  const top = shares.reduce((a, b) => (b[1] > a[1] ? b : a));
  return {
    step,
    perMessage: { onlineRecipients, shardCalls, socketFrames, readReports },
    gateway,
    hottestConversation,
    d1,
    rowsWrittenPerMessage: rowsPerMessage,
    objectRequestsPerMessage: objectRequestsPerMessage(inputs.prices, { shardCalls, readReports, inboxCalls: inboxCalls + relayCalls }),
    shares: Object.fromEntries(shares),
    first: { limit: top[0], share: top[1] },
    monthly: monthlyCost(inputs, step, { shardCalls, readReports, inboxCalls: inboxCalls + relayCalls, reconnectsPerSecond, rowsPerMessage, onlineRecipients }),
  };
}

/** What a month costs on Workers Paid, part by part, with the step as its busy hour. */
export function monthlyCost(
  inputs: Inputs,
  step: Step,
  per: { shardCalls: number; readReports: number; inboxCalls: number; reconnectsPerSecond: number; rowsPerMessage: number; onlineRecipients: number },
): { total: number; parts: Record<string, number> } {
  const { traffic, measured, design, prices: p } = inputs;
  const m = step.messagesPerSecond * traffic.averageShareOfPeak * SECONDS_PER_MONTH;
  const over = (used: number, included: number, perMillion: number) => (Math.max(0, used - included) / 1e6) * perMillion;

  const workerRequests = m * traffic.httpRequestsPerMessage + per.reconnectsPerSecond * traffic.averageShareOfPeak * SECONDS_PER_MONTH;
  const objectRequests = m * objectRequestsPerMessage(p, per);
  // Gateways never sleep at scale; conversations are billed while they work on a message.
  const gbSeconds = design.gatewayShards * p.objectMemoryGb * SECONDS_PER_MONTH + (m * measured.conversationWallMs * p.objectMemoryGb) / 1000;
  const media = m * traffic.mediaShare;
  const parts = {
    "Workers base": p.baseMonthly,
    "Workers requests": over(workerRequests, p.workerRequestsIncluded, p.workerRequestPerMillion),
    "Workers CPU": over(workerRequests * measured.workerRequestCpuMs, p.workerCpuMsIncluded, p.workerCpuPerMillionMs),
    "Durable Object requests": over(objectRequests, p.objectRequestsIncluded, p.objectRequestPerMillion),
    "Durable Object duration": over(gbSeconds, p.objectGbSecondsIncluded, p.objectPerMillionGbSeconds),
    "rows written (D1 and objects)": over(m * per.rowsPerMessage, p.rowsWrittenIncluded, p.perMillionRowsWritten),
    "R2 writes": (media / 1e6) * p.r2ClassAPerMillion,
    "R2 reads": ((media * per.onlineRecipients) / 1e6) * p.r2ClassBPerMillion,
  };
  return { total: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}

/**
 * Durable Object requests one message causes: the client's frames into its gateway (WebSocket
 * messages, billed 20:1), the gateway → conversation call, the pushes, the read calls (coalesced:
 * about half a call per report), and the inbox calls of a design that has them.
 */
export function objectRequestsPerMessage(p: Inputs["prices"], per: { shardCalls: number; readReports: number; inboxCalls: number }): number {
  return (1 + per.readReports) / p.webSocketMessagesPerRequest + 1 + per.shardCalls + per.readReports * 0.5 + per.inboxCalls;
}

/**
 * The fewest gateway shards that keep every gateway figure under `headroom` of its limit at this
 * step (more shards spread sockets but give a group message more distinct shards to call).
 */
export function shardsNeeded(inputs: Inputs, step: Step, headroom = 0.5, max = 1 << 16): number | null {
  for (let s = 1; s <= max; s = s < 16 ? s + 1 : Math.ceil(s * 1.25)) {
    const g = loadAt({ ...inputs, design: { ...inputs.design, gatewayShards: s } }, step).gateway;
    if (g.socketsPerShard <= headroom * inputs.limits.socketsPerObject && g.requestsPerShard <= headroom * inputs.limits.objectRequestsPerSecond && g.cpuShare <= headroom) return s;
  }
  return null;
}

/** Messages a second at which the single D1 writer is saturated (infinite when D1 is off the flush). */
export function d1Ceiling(inputs: Inputs): number {
  const probe = loadAt(inputs, { online: 1, messagesPerSecond: 1 });
  if (probe.d1.writeBatchesPerSecond === 0) return Number.POSITIVE_INFINITY;
  return (1000 / inputs.limits.d1WriteBatchMs / probe.d1.writeBatchesPerSecond) * probe.d1.databases;
}

/**
 * Where each limit is reached as the load grows along `step` (online and messages a second in the
 * same proportion), with the design as configured: the multiple of `step` at which its share is 1.
 * Every share grows in proportion to the load except the hottest group's, which does not grow.
 */
export function ceilings(inputs: Inputs, step: Step): { limit: string; online: number; messagesPerSecond: number }[] {
  const load = loadAt(inputs, step);
  return Object.entries(load.shares)
    .filter(([name, share]) => share > 0 && !name.startsWith("hottest"))
    .map(([limit, share]) => ({ limit, online: step.online / share, messagesPerSecond: step.messagesPerSecond / share }))
    .sort((a, b) => a.messagesPerSecond - b.messagesPerSecond);
}
