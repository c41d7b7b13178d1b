// A signed-in mini-program against the real worker under `wrangler dev`: when the same account
// signs in on more devices than the per-user cap, the server signs out this (least recently
// used) session, and the client hears `session_ended` and ends the session at once, not when
// the close event arrives about 10 s later.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type * as Auth from "../../../miniprogram/services/auth";
import type * as Chats from "../../../miniprogram/services/chats";
import type * as Session from "../../../miniprogram/services/session";
import { LIMITS } from "../../../schema/limits";
import { builtMiniprogram, clientModule, waitFor } from "../harness";
import { closeSockets, createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";

const baseUrl = inject("e2eBaseUrl");
let adapter: WxAdapter;
let chats: Chats.ChatClient;
let session: typeof Session;
const name = `capped-${Date.now().toString(36).slice(-6)}`;

beforeAll(async () => {
  adapter = createWxAdapter({});
  adapter.storage.set("qun.apiBase", JSON.stringify(baseUrl));
  installWx(adapter);
  chats = clientModule<typeof Chats>("services/chats", builtMiniprogram()).chats;
  session = clientModule<typeof Session>("services/session", builtMiniprogram());
  await clientModule<typeof Auth>("services/auth", builtMiniprogram()).loginDev(name);
});

afterAll(() => {
  chats.socket.stop();
  closeSockets(adapter);
});

describe("the server ends the session of a connected client", () => {
  it(`signs out in under two seconds (the close event takes about ten) when ${LIMITS.sessionsPerUser} newer sign-ins push this session out, and forgets the chats`, async () => {
    chats.start();
    await waitFor(() => chats.store.get().connection === "online", "online");
    expect(session.isSignedIn()).toBe(true);
    for (let i = 0; i < LIMITS.sessionsPerUser; i++) {
      const res = await fetch(`${baseUrl}/auth/dev`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name, device: `other-${i}` }) });
      expect(res.ok).toBe(true);
    }
    const pushedOut = Date.now();
    await waitFor(() => !session.isSignedIn(), "the session to end", 3_000);
    expect(Date.now() - pushedOut).toBeLessThan(2_000);
    expect(session.session.get().endedBy).toBe("server");
    await new Promise((r) => setTimeout(r, 1_500)); // past the first reconnect a backoff would make
    expect(chats.socket.status).toBe("offline");
    expect(adapter.sockets).toHaveLength(1); // no reconnect with the signed-out session
    expect(adapter.storage.has("qun.session")).toBe(false);
    expect(adapter.storage.has("qun.cache")).toBe(false);
  });
});
