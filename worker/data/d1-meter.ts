// Counts the D1 write batches the conversation objects make per flush (summaries and read
// positions), per isolate since it started. Read by the benchmark through a development-only
// route (GET /dev/d1-writes), so "D1 batches per message" is measured rather than assumed.
export const d1Meter = { batches: 0, statements: 0 };

export function meterBatch(statements: number) {
  d1Meter.batches++;
  d1Meter.statements += statements;
}
