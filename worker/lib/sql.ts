// SQL helpers for D1 and Durable Object SQLite: IN-list chunking under SQLite's bound-parameter
// limit, and D1 batches from a list of statements.
/** D1 allows 100 bound parameters per statement; an IN list of 90 leaves room for the rest. */
export const IN_LIST_MAX = 90;

/** Splits `items` into runs of at most `size` (for IN lists, multi-row inserts, bounded parallelism). */
export function inChunks<T>(items: readonly T[], size: number = IN_LIST_MAX): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// ---- D1 batches ---------------------------------------------------------------------------

import type { BatchItem, BatchResponse } from "drizzle-orm/batch";

type Statement = BatchItem<"sqlite">;

/** What `batch` needs of a Drizzle D1 database, whatever its schema. */
interface Batcher {
  batch<U extends Statement, T extends Readonly<[U, ...U[]]>>(statements: T): Promise<BatchResponse<T>>;
}

/**
 * Runs `statements` as one D1 batch, so they apply all together or not at all; an empty list
 * runs nothing. Drizzle's own batch takes a non-empty tuple, which a list built at run time
 * cannot prove without a cast.
 */
export async function batch<S extends Statement>(d: Batcher, statements: readonly S[]): Promise<S["_"]["result"][]> {
  const [first, ...rest] = statements;
  if (first === undefined) return [];
  return d.batch([first, ...rest]);
}
