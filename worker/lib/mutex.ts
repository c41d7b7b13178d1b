// A promise queue for Durable Objects: an object's input gate lets other calls in while one
// awaits D1 or another object, so calls that read, await and then write run through here one
// at a time instead.

export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after every call queued before it has settled (a failure does not stop the queue). */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
