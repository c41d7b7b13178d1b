// The inputs of the capacity model, each with where it comes from. Measured values are local
// workerd CPU on this machine (docs/performance.md); `npm run capacity -- --bench <report.json>`
// replaces the ones a bench report carries. Limits and prices as Cloudflare publishes them
// (pages read 2026-11-30); traffic figures are assumptions, stated as such in docs/scaling.md.
import type { Inputs, Step } from "./model.ts";

export const SOURCES = {
  objectLimits: "https://developers.cloudflare.com/durable-objects/platform/limits/ (soft limit of 1,000 requests per second per object)",
  hibernatingSockets: "https://developers.cloudflare.com/durable-objects/api/state/ (32,768 WebSocket connections per object)",
  d1Throughput: "https://developers.cloudflare.com/d1/platform/limits/ (one query at a time: 1 ms a query is about 1,000 a second)",
  objectPricing: "https://developers.cloudflare.com/durable-objects/platform/pricing/",
  workersPricing: "https://developers.cloudflare.com/workers/platform/pricing/",
  d1Pricing: "https://developers.cloudflare.com/d1/platform/pricing/",
  r2Pricing: "https://developers.cloudflare.com/r2/pricing/",
} as const;

export const STEPS: Step[] = [
  { online: 10_000, messagesPerSecond: 100 },
  { online: 100_000, messagesPerSecond: 1_000 },
  { online: 1_000_000, messagesPerSecond: 10_000 },
  { online: 3_000_000, messagesPerSecond: 30_000 },
  { online: 10_000_000, messagesPerSecond: 100_000 },
];

export const INPUTS: Inputs = {
  traffic: {
    devicesPerOnlineUser: 1.2,
    memberOnlineChance: 0.25,
    // Most messages are one-to-one or in small groups; large groups are few but loud.
    mix: [
      { name: "direct", members: 2, share: 0.55 },
      { name: "small group", members: 8, share: 0.3 },
      { name: "group of 50", members: 50, share: 0.12 },
      { name: "group of 500", members: 500, share: 0.03 },
    ],
    readersPerOnlineRecipient: 0.3,
    reconnectsPerSocketHour: 2,
    httpRequestsPerMessage: 0.2,
    mediaShare: 0.15,
    averageShareOfPeak: 0.4,
    hottestGroup: { members: 500, messagesPerSecond: 20 },
  },
  measured: {
    // 50 members at 20 msg/s: about 14 ms per message, of which 16 shard calls × 0.65 ms and 50 socket writes.
    sendMs: 2.7,
    // 0.65 ms per conversation → gateway call, split by the profile (RPC ~10%, deliver loop ~9%).
    shardCallCallerMs: 0.35,
    shardCallGatewayMs: 0.3,
    // 61 µs per delivery at 500 members and 20 msg/s, 28% of it the socket write.
    socketFrameMs: 0.017,
    readMs: 0.2,
    conversationWallMs: 5,
    workerRequestCpuMs: 1,
    // 50 direct chats at 1 msg/s each, both sides reading (`npm run bench -- --readers`): 1.08, 1.03
    // and 1.04 D1 batches per message in three runs with reads riding the next flush; 1.66, 1.86
    // and 1.35 before (docs/performance.md, "Summaries in D1 shards").
    d1BatchesPerMessage: 1.05,
    // D1 rows written by a message's summary batch, as D1 reports them (meta.rows_written): the
    // summary row, its entry in the last_message_at index, the sender's read (tests/worker/send-writes.test.ts).
    d1RowsPerMessage: 3,
  },
  design: {
    gatewayShards: 16,
    // Conversations skip shards where none of their members is online (worker/gateway/wake.ts).
    onlineShardsOnly: true,
    // Summaries and read positions in D1 shards by conversation id (SUMMARIES_<i>), two as shipped.
    summaries: "d1-sharded",
    d1Shards: 2,
    readsRideFlush: true,
    readCoalesceMs: 25,
    relays: 0,
    // Rows written in the conversation's SQLite per text message, as the runtime reports them
    // (SqlStorageCursor.rowsWritten, the bench's meter: docs/performance.md#cost-per-million-messages-on-cloudflare):
    // the message row and its (sender, clientId) index entry, its search entry, the sender's read.
    conversationRowsPerMessage: 4,
  },
  limits: {
    objectRequestsPerSecond: 1_000,
    socketsPerObject: 32_768,
    d1WriteBatchMs: 1,
  },
  prices: {
    baseMonthly: 5,
    workerRequestsIncluded: 10e6,
    workerRequestPerMillion: 0.3,
    workerCpuMsIncluded: 30e6,
    workerCpuPerMillionMs: 0.02,
    objectRequestsIncluded: 1e6,
    objectRequestPerMillion: 0.15,
    webSocketMessagesPerRequest: 20,
    objectGbSecondsIncluded: 400_000,
    objectPerMillionGbSeconds: 12.5,
    objectMemoryGb: 0.128,
    rowsWrittenIncluded: 50e6,
    perMillionRowsWritten: 1,
    r2ClassAPerMillion: 4.5,
    r2ClassBPerMillion: 0.36,
  },
};
