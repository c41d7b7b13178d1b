// The browser's key-value storage for the client core (KeyValueStorage, core/platform.ts): one
// IndexedDB object store, so the outbox and the offline cache survive a reload and hold far more
// than localStorage's 5 MB. Hand-written over the raw API (about sixty lines): the `idb` package
// would save little here. Writes are one transaction each; IndexedDB runs readwrite transactions
// on one store in the order they were made, so the last write to a key wins, as the core expects.
import type { KeyValueStorage } from "../../../miniprogram/core/platform";

const DB_VERSION = 1;
const STORE = "kv";

function promised<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error("IndexedDB request failed"));
  });
}

/** A transaction's end: its writes are durable once this resolves. */
function finished(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
    tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
  });
}

export interface IndexedDbStorage extends KeyValueStorage {
  /** Closes the database (a test's "reload" opens it again). */
  close(): Promise<void>;
}

/**
 * Key-value storage in the IndexedDB database `name` (one per signed-in browser profile;
 * the core keeps each user's cache apart by user id). `factory` is the browser's `indexedDB`
 * unless given (tests pass fake-indexeddb's).
 */
export function indexedDbStorage(name = "qun", factory: IDBFactory = globalThis.indexedDB): IndexedDbStorage {
  if (!factory) throw new Error("IndexedDB is not available in this browser");
  const opening = new Promise<IDBDatabase>((resolve, reject) => {
    const request = factory.open(name, DB_VERSION);
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error(`cannot open IndexedDB ${name}`));
  });
  const run = async <T>(mode: IDBTransactionMode, op: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const db = await opening;
    const tx = db.transaction(STORE, mode);
    const result = promised(op(tx.objectStore(STORE)));
    await finished(tx);
    return result;
  };
  return {
    get: async <T>(key: string) => ((await run("readonly", (s) => s.get(key))) as T | undefined) ?? undefined,
    // Values are structured-cloned at the call, so the caller may change its object afterwards.
    set: async (key, value) => {
      await run("readwrite", (s) => s.put(value, key));
    },
    remove: async (key) => {
      await run("readwrite", (s) => s.delete(key));
    },
    close: async () => (await opening).close(),
  };
}

/** Storage that forgets on reload: for a browser without IndexedDB (private modes of old browsers) and for tests. */
export function memoryStorage(): KeyValueStorage {
  const map = new Map<string, unknown>();
  return {
    get: <T>(key: string) => (map.has(key) ? (structuredClone(map.get(key)) as T) : undefined),
    set: (key, value) => void map.set(key, structuredClone(value)),
    remove: (key) => void map.delete(key),
  };
}
