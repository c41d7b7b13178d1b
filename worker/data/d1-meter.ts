// Counts the D1 write batches the conversation objects make per flush (summaries and read
// positions), and the rows the send and read paths write in the conversation objects' own SQLite
// (the message, its search entry, read positions: SQLite-backed Durable Objects bill rows written
// as D1 does), per isolate since it started. Read by the benchmark through a development-only
// route (GET /dev/d1-writes), so "D1 batches" and "rows written per message" are measured rather
// than assumed. `rowsWritten` is what the runtime reports for each statement (SqlStorageCursor),
// search-index rows included.
export const d1Meter = { batches: 0, statements: 0, rowsWritten: 0, objectRowsWritten: 0 };

/** One batch of `statements`, and the rows D1 says they wrote (index entries included, as billed). */
export function meterBatch(statements: number, rowsWritten: number) {
  d1Meter.batches++;
  d1Meter.statements += statements;
  d1Meter.rowsWritten += rowsWritten;
}

/** Adds a statement's rows written in a conversation object's SQLite; returns the cursor. */
export function meterRows<T extends Record<string, SqlStorageValue>>(cursor: SqlStorageCursor<T>): SqlStorageCursor<T> {
  d1Meter.objectRowsWritten += cursor.rowsWritten;
  return cursor;
}
