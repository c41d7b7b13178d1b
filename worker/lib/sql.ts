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
