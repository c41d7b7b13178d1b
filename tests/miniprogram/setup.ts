// Page specs written before the catalogues read English; a spec of the Chinese pages switches to
// zh_CN itself. Each spec starts in English whatever the host's language, in both copies of the
// client: the source modules the core specs import, and the build the rendered pages run.
//
// Timers a page or a WeUI component leaves behind (the half-screen dialog hides its wrapper 300 ms
// after it closes) are cleared when the file ends: vitest removes the DOM right after the last
// hook, and a render from such a timer would then fail with "window is not defined" and be
// reported against whichever file ran last.
import { afterAll, beforeEach } from "vitest";
import * as i18n from "../../miniprogram/i18n/index";
import { clientModule } from "./harness";

beforeEach(() => {
  i18n.setLocale("en");
  clientModule<typeof i18n>("i18n/index").setLocale("en");
});

type Handle = ReturnType<typeof setTimeout>;
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
const pending = new Set<Handle>();
globalThis.setTimeout = Object.assign((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): Handle => {
  const handle: Handle = realSetTimeout(() => {
    pending.delete(handle);
    fn(...args);
  }, ms);
  pending.add(handle);
  return handle;
}, realSetTimeout) as typeof setTimeout;
globalThis.clearTimeout = ((handle?: Handle | string | number) => {
  pending.delete(handle as Handle);
  realClearTimeout(handle as Handle);
}) as typeof clearTimeout;

// Registered before any file's own hooks, so (hooks run as a stack) it runs after them.
afterAll(() => {
  for (const handle of pending) realClearTimeout(handle);
  pending.clear();
  globalThis.setTimeout = realSetTimeout;
  globalThis.clearTimeout = realClearTimeout;
});
