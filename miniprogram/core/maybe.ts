// Values that are there now or later. The mini-program's storage answers at once (wx's *Sync
// calls) and the browser's answers later (IndexedDB): the client core handles both without
// turning the synchronous case asynchronous, so a mini-program page still opens with its cached
// chats in the same tick as `start()`, as it always did.

export type MaybePromise<T> = T | Promise<T>;

export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/**
 * `f(value)`, at once when the value is there, after it arrives when it is a promise. (Not named
 * `then`: a module exporting `then` is itself a thenable, and `await import()` of it misbehaves.)
 */
export function andThen<T, U>(value: MaybePromise<T>, f: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromise(value) ? value.then(f) : f(value);
}

/** Every value, at once when all are there, else as one promise. */
export function all<T>(values: MaybePromise<T>[]): MaybePromise<T[]> {
  return values.some(isPromise) ? Promise.all(values) : (values as T[]);
}
