// Qun for the web runs in one tab of a browser at a time, as the web clients of WeChat and
// WhatsApp do. Tabs of one browser share the web session, and the server keeps one socket per
// session: a second tab's connection replaced the first's, which then stopped for good
// (docs/protocol.md, close 4409), so the first tab silently missed every message. They also share
// one IndexedDB outbox and cache, and each tab wrote its own list over the other's, so a message
// queued offline in one tab could be lost when the other saved and the first was closed.
//
// So the tab that runs Qun holds a Web Lock for as long as its page lives. Another tab shows
// "open in another window" with "Use here", which queues for the lock and asks the holder (a
// BroadcastChannel message) to step aside: the holder reloads, into the same notice, and the lock
// passes to the waiting tab when the holder's page goes away, after its last write.
const LOCK = "qun-web-tab";
const CHANNEL = "qun-web-tab";
const TAKE = "take";

/** Held until the page goes away (the lock manager releases it then). */
const forever = () => new Promise<void>(() => undefined);

/** When another tab asks to take over: reload (this page's writes end; the lock passes on). */
function stepAsideWhenAsked(): void {
  const channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (e: MessageEvent) => {
    if (e.data === TAKE) location.reload();
  };
}

/** Holds the lock if no other tab holds it; answers whether this tab may run Qun. */
export function claimTab(): Promise<boolean> {
  const locks = navigator.locks;
  // A browser without Web Locks (or an insecure origin) runs as before.
  if (!locks || typeof BroadcastChannel === "undefined") return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    locks
      .request(LOCK, { ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve(false);
          return;
        }
        stepAsideWhenAsked();
        resolve(true);
        return forever();
      })
      .catch(() => resolve(true));
  });
}

/** "Use here": waits for the lock, having asked the tab that holds it to let it go. */
export function takeTab(): Promise<void> {
  return new Promise<void>((resolve) => {
    void navigator.locks.request(LOCK, () => {
      stepAsideWhenAsked();
      resolve();
      return forever();
    });
    const channel = new BroadcastChannel(CHANNEL);
    channel.postMessage(TAKE);
    channel.close();
  });
}
