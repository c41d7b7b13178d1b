// A small observable store. Pages subscribe in onLoad/attached and unsubscribe in
// onUnload/detached; watch()/unwatchAll() keep that bookkeeping per page instance.

export type Listener<T> = (state: T, previous: T) => void;

export class Store<T extends object> {
  private state: T | undefined;
  private readonly listeners = new Set<Listener<T>>();

  /** `init` runs on first read, so a store backed by wx storage reads it only once wx exists. */
  constructor(private readonly init: () => T) {}

  get(): T {
    if (this.state === undefined) this.state = this.init();
    return this.state;
  }

  /** Shallow-merges `patch`; listeners run only when some field actually changed. */
  set(patch: Partial<T>): void {
    const previous = this.get();
    const next = { ...previous, ...patch };
    if ((Object.keys(patch) as Array<keyof T>).every((k) => Object.is(previous[k], next[k]))) return;
    this.state = next;
    for (const listener of Array.from(this.listeners)) listener(next, previous);
  }

  /** Calls `listener` now with the current state, then on every change. Returns the unsubscribe. */
  subscribe(listener: Listener<T>): () => void {
    this.listeners.add(listener);
    const state = this.get();
    listener(state, state);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}

const subscriptions = new WeakMap<object, Array<() => void>>();

/** Subscribes on behalf of `owner` (a page or component instance). */
export function watch<T extends object>(owner: object, store: Store<T>, listener: Listener<T>): void {
  const list = subscriptions.get(owner) ?? [];
  list.push(store.subscribe(listener));
  subscriptions.set(owner, list);
}

/** Drops every subscription `owner` made with watch(). */
export function unwatchAll(owner: object): void {
  for (const unsubscribe of subscriptions.get(owner) ?? []) unsubscribe();
  subscriptions.delete(owner);
}
