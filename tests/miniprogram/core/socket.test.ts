// The socket manager: connects with the token, goes online on `ready`, pings and treats a
// missing pong as a dead socket, reconnects with growing backoff, refreshes the token on 4401,
// gives up on 4403 (signed out) and 4409 (replaced).
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { DEFAULT_TIMING, SocketManager, type SocketDeps } from "../../../miniprogram/services/wx-socket";

interface FakeTask {
  url: string;
  header: Record<string, string>;
  sent: string[];
  closed: boolean;
  open(): void;
  message(frame: unknown): void;
  /** Delivers `data` as the socket's message event data, unserialised. */
  raw(data: unknown): void;
  /** The socket fails (wx's onError). */
  error(): void;
  close(code: number): void;
}

let tasks: FakeTask[];
let deps: SocketDeps;
let token: string;
const TIMING = { heartbeatMs: 1000, pongTimeoutMs: 300, probeTimeoutMs: 50, backoffBaseMs: 100, backoffMaxMs: 800 };

beforeEach(() => {
  vi.useFakeTimers();
  tasks = [];
  token = "token-1";
  (globalThis as { wx?: unknown }).wx = {
    connectSocket(opts: { url: string; header: Record<string, string> }) {
      const handlers: Record<string, (res: unknown) => void> = {};
      const task: FakeTask = {
        url: opts.url,
        header: opts.header,
        sent: [],
        closed: false,
        open: () => handlers.open?.({}),
        message: (frame) => handlers.message?.({ data: JSON.stringify(frame) }),
        raw: (data) => handlers.message?.({ data }),
        error: () => handlers.error?.({ errMsg: "connectSocket:fail" }),
        close: (code) => handlers.close?.({ code, reason: "" }),
      };
      tasks.push(task);
      return {
        send: (o: { data: string }) => task.sent.push(o.data),
        close: () => void (task.closed = true),
        onOpen: (cb: (res: unknown) => void) => void (handlers.open = cb),
        onMessage: (cb: (res: unknown) => void) => void (handlers.message = cb),
        onClose: (cb: (res: unknown) => void) => void (handlers.close = cb),
        onError: (cb: (res: unknown) => void) => void (handlers.error = cb),
      };
    },
  };
  deps = {
    url: () => "ws://server/ws",
    token: () => token,
    refresh: vi.fn(async () => {
      token = "token-2";
    }),
    onSignedOut: vi.fn(),
  };
});

afterEach(() => {
  vi.useRealTimers();
});

function ready(task: FakeTask) {
  task.open();
  task.message({ type: "ready", userId: "u1", sessionId: "s1", serverTime: 0 });
}

describe("SocketManager", () => {
  it("connects with the access token in the Authorization header and is online after ready", () => {
    const socket = new SocketManager(deps, TIMING);
    const statuses: string[] = [];
    socket.onStatus((s) => statuses.push(s));
    socket.start();
    expect(tasks[0]).toMatchObject({ url: "ws://server/ws", header: { authorization: "Bearer token-1" } });
    expect(socket.status).toBe("connecting");
    ready(tasks[0]!);
    expect(statuses).toEqual(["connecting", "online"]);
    expect(socket.send({ type: "typing", conversationId: "c_x" })).toBe(true);
    expect(tasks[0]!.sent).toEqual(['{"type":"typing","conversationId":"c_x"}']);
  });

  it("hands every frame but pong to its listeners", () => {
    const socket = new SocketManager(deps, TIMING);
    const frames: string[] = [];
    socket.onFrame((f) => frames.push(f.type));
    socket.start();
    ready(tasks[0]!);
    tasks[0]!.message({ type: "pong" });
    tasks[0]!.message({ type: "typing", conversationId: "c_x", userId: "u2" });
    expect(frames).toEqual(["ready", "typing"]);
  });

  it("unpacks a batch frame into its frames, in order, pong included", () => {
    const socket = new SocketManager(deps, TIMING);
    const frames: string[] = [];
    socket.onFrame((f) => frames.push(f.type === "typing" ? `typing:${f.userId}` : f.type));
    socket.start();
    ready(tasks[0]!);
    vi.advanceTimersByTime(1000); // a ping is out
    tasks[0]!.message({ type: "batch", frames: [{ type: "typing", conversationId: "c_x", userId: "u2" }, { type: "pong" }, { type: "typing", conversationId: "c_x", userId: "u3" }] });
    expect(frames).toEqual(["ready", "typing:u2", "typing:u3"]);
    vi.advanceTimersByTime(300); // the pong in the batch counted: the socket stays
    expect(tasks[0]!.closed).toBe(false);
    expect(socket.status).toBe("online");
  });

  it("pings on the heartbeat and drops a socket that does not answer, then reconnects", () => {
    const socket = new SocketManager(deps, TIMING);
    socket.start();
    ready(tasks[0]!);
    vi.advanceTimersByTime(1000);
    expect(tasks[0]!.sent).toEqual(['{"type":"ping"}']);
    tasks[0]!.message({ type: "pong" });
    vi.advanceTimersByTime(1000);
    expect(tasks[0]!.sent).toHaveLength(2);
    vi.advanceTimersByTime(300); // no pong this time
    expect(tasks[0]!.closed).toBe(true);
    expect(socket.status).toBe("offline");
    vi.advanceTimersByTime(100);
    expect(tasks).toHaveLength(2);
  });

  it("backs off more after each failed attempt, up to the cap, and resets after ready", () => {
    vi.spyOn(Math, "random").mockReturnValue(0.999);
    const socket = new SocketManager(deps, TIMING);
    socket.start();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      tasks.at(-1)!.close(1006);
      const before = tasks.length;
      let waited = 0;
      // Bounded, so a socket that never reconnects fails here instead of spinning.
      while (tasks.length === before && waited < 5_000) {
        vi.advanceTimersByTime(10);
        waited += 10;
      }
      delays.push(waited);
    }
    expect(delays).toEqual([100, 200, 400, 800, 800]);
    ready(tasks.at(-1)!);
    expect(socket.attempts).toBe(0);
  });

  it("refreshes the token after 4401 and reconnects with the new one", async () => {
    const socket = new SocketManager(deps, TIMING);
    socket.start();
    tasks[0]!.close(4401);
    await vi.advanceTimersByTimeAsync(0);
    expect(deps.refresh).toHaveBeenCalledWith("token-1");
    expect(tasks[1]!.header.authorization).toBe("Bearer token-2");
  });

  it("stops and ends the session after 4403, and stops without reconnecting after 4409", () => {
    const a = new SocketManager(deps, TIMING);
    a.start();
    tasks[0]!.close(4403);
    vi.advanceTimersByTime(5000);
    expect(deps.onSignedOut).toHaveBeenCalledOnce();
    expect(a.status).toBe("stopped");
    expect(tasks).toHaveLength(1);

    const b = new SocketManager(deps, TIMING);
    b.start();
    tasks[1]!.close(4409);
    vi.advanceTimersByTime(5000);
    expect(b.status).toBe("stopped");
    expect(tasks).toHaveLength(2);
  });

  it("ends the session at once on a session_ended frame, without waiting for the close that follows seconds later", () => {
    const socket = new SocketManager(deps, TIMING);
    const frames: string[] = [];
    socket.onFrame((f) => frames.push(f.type));
    socket.start();
    ready(tasks[0]!);
    tasks[0]!.message({ type: "session_ended", reason: "too_many_sessions" });
    expect(deps.onSignedOut).toHaveBeenCalledOnce();
    expect(socket.status).toBe("stopped");
    expect(tasks[0]!.closed).toBe(true);
    tasks[0]!.close(4403); // the close event, late: nothing more happens
    vi.advanceTimersByTime(5000);
    expect(deps.onSignedOut).toHaveBeenCalledOnce();
    expect(tasks).toHaveLength(1);
    expect(frames).toEqual(["ready"]);
  });

  it("inside a batch too, and for every reason that ends the session", () => {
    for (const reason of ["signed_out", "password_changed", "revoked", "account_deleted"]) {
      const socket = new SocketManager(deps, TIMING);
      socket.start();
      ready(tasks.at(-1)!);
      tasks.at(-1)!.message({ type: "batch", frames: [{ type: "session_ended", reason }] });
      expect(socket.status).toBe("stopped");
    }
    expect(deps.onSignedOut).toHaveBeenCalledTimes(4);
  });

  it("on session_ended expired refreshes the token and reconnects at once, staying signed in", async () => {
    const socket = new SocketManager(deps, TIMING);
    socket.start();
    ready(tasks[0]!);
    tasks[0]!.message({ type: "session_ended", reason: "expired" });
    expect(tasks[0]!.closed).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(deps.refresh).toHaveBeenCalledWith("token-1");
    expect(tasks).toHaveLength(2);
    expect(tasks[1]!.header.authorization).toBe("Bearer token-2");
    tasks[0]!.close(4401); // the old socket's close event, late: ignored
    await vi.advanceTimersByTimeAsync(5000);
    expect(tasks).toHaveLength(2);
    expect(deps.onSignedOut).not.toHaveBeenCalled();
  });

  it("on session_ended replaced stops without reconnecting or signing out", () => {
    const socket = new SocketManager(deps, TIMING);
    socket.start();
    ready(tasks[0]!);
    tasks[0]!.message({ type: "session_ended", reason: "replaced" });
    vi.advanceTimersByTime(5000);
    expect(socket.status).toBe("stopped");
    expect(tasks).toHaveLength(1);
    expect(deps.onSignedOut).not.toHaveBeenCalled();
  });

  it("does not send while offline, and stop() ends reconnecting", () => {
    const socket = new SocketManager(deps, TIMING);
    socket.start();
    expect(socket.send({ type: "ping" })).toBe(false);
    tasks[0]!.close(1006);
    socket.stop();
    vi.advanceTimersByTime(5000);
    expect(tasks).toHaveLength(1);
  });

  it("starts offline with the documented timing, and connects only once however often started", () => {
    expect(DEFAULT_TIMING).toEqual({ heartbeatMs: 25_000, pongTimeoutMs: 10_000, probeTimeoutMs: 3_000, backoffBaseMs: 1_000, backoffMaxMs: 30_000 });
    const socket = new SocketManager(deps, TIMING);
    expect(socket.status).toBe("offline");
    socket.drop(); // nothing to drop: no reconnect either
    vi.advanceTimersByTime(5000);
    expect(tasks).toHaveLength(0);
    socket.start();
    socket.start(); // connecting
    ready(tasks[0]!);
    socket.start(); // online
    expect(tasks).toHaveLength(1);
  });

  it("does not connect without a token", () => {
    token = "";
    const socket = new SocketManager(deps, TIMING);
    socket.start();
    expect(tasks).toHaveLength(0);
    expect(socket.status).toBe("stopped");
  });

  it("is online only after ready, whatever else arrives first, and ignores what is not a JSON frame", () => {
    const socket = new SocketManager(deps, TIMING);
    const frames: string[] = [];
    socket.onFrame((f) => frames.push(f.type));
    socket.start();
    tasks[0]!.open();
    tasks[0]!.message({ type: "typing", conversationId: "c_x", userId: "u2" });
    expect(socket.status).toBe("connecting");
    vi.advanceTimersByTime(5000);
    expect(tasks[0]!.sent).toEqual([]); // no heartbeat before ready
    tasks[0]!.raw("not json");
    tasks[0]!.raw(new ArrayBuffer(4));
    expect(frames).toEqual(["typing"]);
  });

  it("stops hearing an old socket once it was dropped: its frames and its close change nothing", () => {
    const socket = new SocketManager(deps, TIMING);
    const frames: string[] = [];
    socket.onFrame((f) => frames.push(f.type));
    socket.start();
    const old = tasks[0]!;
    ready(old);
    socket.drop();
    vi.advanceTimersByTime(100);
    expect(tasks).toHaveLength(2);
    old.message({ type: "typing", conversationId: "c_x", userId: "u2" });
    old.close(4403);
    expect(frames).toEqual(["ready"]);
    expect(deps.onSignedOut).not.toHaveBeenCalled();
    expect(socket.status).toBe("connecting");
  });

  it("pings a reconnected socket once per beat, and never while a ping is unanswered", () => {
    const socket = new SocketManager(deps, { heartbeatMs: 100, pongTimeoutMs: 250, probeTimeoutMs: 50, backoffBaseMs: 100, backoffMaxMs: 800 });
    socket.start();
    ready(tasks[0]!);
    vi.advanceTimersByTime(200);
    expect(tasks[0]!.sent).toEqual(['{"type":"ping"}']); // the second beat waits for the pong
    socket.drop();
    vi.advanceTimersByTime(100);
    ready(tasks[1]!);
    vi.advanceTimersByTime(100);
    expect(tasks[1]!.sent).toEqual(['{"type":"ping"}']); // the old heartbeat is gone
  });

  it("connects at once when started during a backoff, and the pending retry does not connect again", () => {
    const socket = new SocketManager(deps, TIMING);
    socket.start();
    tasks[0]!.close(1006);
    expect(socket.status).toBe("offline");
    socket.start();
    expect(tasks).toHaveLength(2);
    vi.advanceTimersByTime(5000);
    expect(tasks).toHaveLength(2);
  });

  it("tells status listeners of changes only, and stops telling them once unsubscribed", () => {
    const socket = new SocketManager(deps, TIMING);
    const statuses: string[] = [];
    const frames: string[] = [];
    const offStatus = socket.onStatus((s) => statuses.push(s));
    const offFrame = socket.onFrame((f) => frames.push(f.type));
    socket.start();
    ready(tasks[0]!);
    socket.stop();
    socket.stop();
    expect(statuses).toEqual(["connecting", "online", "offline"]);
    offStatus();
    offFrame();
    socket.start();
    ready(tasks[1]!);
    expect(statuses).toEqual(["connecting", "online", "offline"]);
    expect(frames).toEqual(["ready"]);
  });

  it("stops when the token cannot be refreshed after 4401", async () => {
    deps.refresh = vi.fn(async () => {
      throw new Error("session over");
    });
    const socket = new SocketManager(deps, TIMING);
    socket.start();
    tasks[0]!.close(4401);
    await vi.advanceTimersByTimeAsync(5000);
    expect(socket.status).toBe("stopped");
    expect(tasks).toHaveLength(1);
  });

  it("treats a socket error as a dropped connection: offline, then a new socket after the backoff", () => {
    const socket = new SocketManager(deps, TIMING);
    socket.start();
    ready(tasks[0]!);
    tasks[0]!.error();
    expect(socket.status).toBe("offline");
    expect(tasks[0]!.closed).toBe(true);
    vi.advanceTimersByTime(100);
    expect(tasks).toHaveLength(2);
    tasks[0]!.error(); // the old socket's late error changes nothing
    expect(socket.status).toBe("connecting");
    vi.advanceTimersByTime(1000);
    expect(tasks).toHaveLength(2);
  });
});

describe("SocketManager parses every inbound frame", () => {
  const typing = (userId: string) => ({ type: "typing", conversationId: "c_x", userId });
  let warn: MockInstance<typeof console.warn>;
  beforeEach(() => {
    warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  });
  afterEach(() => warn.mockRestore());

  /** An online socket and the frames its listener got. */
  function online() {
    const socket = new SocketManager(deps, TIMING);
    const frames: unknown[] = [];
    socket.onFrame((f) => frames.push(f));
    socket.start();
    ready(tasks[0]!);
    frames.length = 0;
    return { socket, frames };
  }

  it.each([
    ["wrong types", { type: "typing", conversationId: 7, userId: "u2" }, '"typing" frame: conversationId:'],
    ["an unknown type", { type: "teleport", to: "u2" }, '"teleport" frame:'],
    ["missing fields", { type: "message" }, '"message" frame: message:'],
    ["no type at all", { conversationId: "c_x" }, '"(no type)" frame:'],
    ["a wrong enum value", { type: "contacts", changed: ["friends", "enemies"] }, '"contacts" frame: changed.1:'],
    ["a message with a field of the wrong type", { type: "message", message: { conversationId: "c_x", seq: "1" } }, '"message" frame: message.seq:'],
  ])("drops and logs a frame with %s, stays online, and handles the valid frame after it", (_what, bad, logged) => {
    const { socket, frames } = online();
    tasks[0]!.message(bad);
    expect(frames).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain(logged);
    expect(socket.status).toBe("online");
    tasks[0]!.message(typing("u2"));
    expect(frames).toEqual([typing("u2")]);
    expect(tasks).toHaveLength(1);
  });

  it("drops and logs a message that is not JSON, and handles the valid frame after it", () => {
    const { socket, frames } = online();
    tasks[0]!.raw("{not json");
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain("not JSON");
    tasks[0]!.message(typing("u2"));
    expect(frames).toEqual([typing("u2")]);
    expect(socket.status).toBe("online");
  });

  it("drops only the bad frames of a batch and hands on the others in order", () => {
    const { frames } = online();
    tasks[0]!.message({ type: "batch", frames: [typing("u2"), { type: "typing", userId: "u3" }, { type: "nope" }, typing("u4")] });
    expect(frames).toEqual([typing("u2"), typing("u4")]);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringContaining('"typing" frame: conversationId:'), expect.stringContaining('"nope" frame:')]);
  });

  it("is not made online by a ready frame that does not parse", () => {
    const socket = new SocketManager(deps, TIMING);
    socket.start();
    tasks[0]!.open();
    tasks[0]!.message({ type: "ready", userId: "u1" });
    expect(socket.status).toBe("connecting");
    expect(warn).toHaveBeenCalledTimes(1);
    ready(tasks[0]!);
    expect(socket.status).toBe("online");
  });

  it("hands listeners the frame as parsed: fields the schema does not know are left out", () => {
    const { frames } = online();
    tasks[0]!.message({ ...typing("u2"), later: "a field a newer server added" });
    expect(frames).toEqual([typing("u2")]);
    expect(warn).not.toHaveBeenCalled();
  });

  it("does not end the session on a session_ended frame whose reason it does not know", () => {
    const { socket } = online();
    tasks[0]!.message({ type: "session_ended", reason: "bored" });
    expect(socket.status).toBe("online");
    expect(deps.onSignedOut).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe("SocketManager on a phone: back in the foreground, network back", () => {
  it("probes a socket that says it is online when woken, and keeps it when the pong comes", () => {
    const socket = new SocketManager(deps, TIMING);
    socket.start();
    ready(tasks[0]!);
    socket.wake();
    expect(tasks[0]!.sent).toEqual(['{"type":"ping"}']);
    tasks[0]!.message({ type: "pong" });
    vi.advanceTimersByTime(TIMING.probeTimeoutMs * 2);
    expect(tasks).toHaveLength(1);
    expect(socket.status).toBe("online");
  });

  it("reconnects at once when the probe gets no pong: a socket killed in the background is not left to the heartbeat", () => {
    const socket = new SocketManager(deps, TIMING);
    socket.start();
    ready(tasks[0]!);
    socket.wake(); // the socket died silently while the app was hidden: no close, no pong
    vi.advanceTimersByTime(TIMING.probeTimeoutMs);
    expect(tasks[0]!.closed).toBe(true);
    expect(tasks).toHaveLength(2); // no backoff wait
    expect(socket.status).toBe("connecting");
  });

  it("connects at once when the network returns, instead of waiting out the backoff", () => {
    vi.spyOn(Math, "random").mockReturnValue(0.999);
    const socket = new SocketManager(deps, TIMING);
    socket.start();
    ready(tasks[0]!);
    socket.networkLost();
    expect(tasks[0]!.closed).toBe(true);
    expect(socket.status).toBe("offline");
    // Attempts fail while the network is down, and the backoff grows.
    for (let i = 1; i <= 3; i++) {
      vi.advanceTimersByTime(800);
      tasks[i]!.error();
    }
    expect(tasks).toHaveLength(4);
    const attempt = tasks.length;
    socket.wake(true);
    expect(tasks).toHaveLength(attempt + 1);
    ready(tasks[attempt]!);
    expect(socket.status).toBe("online");
    expect(socket.attempts).toBe(0);
  });

  it("restarts an attempt begun while offline when the network returns, but leaves one alone on show", () => {
    const socket = new SocketManager(deps, TIMING);
    socket.start();
    socket.wake(); // on show while connecting: the attempt goes on
    expect(tasks).toHaveLength(1);
    socket.wake(true);
    expect(tasks[0]!.closed).toBe(true);
    expect(tasks).toHaveLength(2);
  });

  it("does nothing when woken after stop()", () => {
    const socket = new SocketManager(deps, TIMING);
    socket.start();
    ready(tasks[0]!);
    socket.stop();
    socket.wake(true);
    socket.wake();
    expect(tasks).toHaveLength(1);
  });
});

describe("SocketManager.request", () => {
  const send = (ref: string) => ({ type: "send", ref, conversationId: "c_x", message: { clientId: ref, type: "text", body: { text: "hi" } } }) as never;

  it("sends the frame and resolves with the ack carrying its ref, ignoring others", async () => {
    const socket = new SocketManager(deps, TIMING);
    socket.start();
    ready(tasks[0]!);
    const reply = socket.request(send("m-1"));
    expect(JSON.parse(tasks[0]!.sent[0]!)).toMatchObject({ type: "send", ref: "m-1" });
    tasks[0]!.message({ type: "ack", ref: "m-0", ack: { conversationId: "c_x", clientId: "m-0", seq: 1, id: "a", createdAt: 1, duplicate: false } });
    tasks[0]!.message({ type: "ack", ref: "m-1", ack: { conversationId: "c_x", clientId: "m-1", seq: 2, id: "b", createdAt: 2, duplicate: false } });
    await expect(reply).resolves.toMatchObject({ type: "ack", ack: { seq: 2 } });
  });

  it("resolves with an error frame for its ref", async () => {
    const socket = new SocketManager(deps, TIMING);
    socket.start();
    ready(tasks[0]!);
    const reply = socket.request(send("m-1"));
    tasks[0]!.message({ type: "error", ref: "m-1", code: "forbidden", message: "no" });
    await expect(reply).resolves.toMatchObject({ type: "error", code: "forbidden" });
  });

  it("rejects when offline, when the socket closes first, and after the timeout", async () => {
    const socket = new SocketManager(deps, TIMING);
    await expect(socket.request(send("m-1"))).rejects.toThrow("socket not open");
    socket.start();
    ready(tasks[0]!);
    const closed = socket.request(send("m-2"));
    tasks[0]!.close(1006);
    await expect(closed).rejects.toThrow("socket closed");
    vi.advanceTimersByTime(800);
    ready(tasks[1]!);
    const silent = socket.request(send("m-3"), 500);
    vi.advanceTimersByTime(500);
    await expect(silent).rejects.toThrow("no answer");
  });
});
