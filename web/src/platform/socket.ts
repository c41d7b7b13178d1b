// The browser's socket for the core's SocketManager (SocketConnection, core/socket.ts). A browser
// WebSocket cannot set headers, so the access token travels as the second subprotocol:
// `new WebSocket(url, ["qun", token])`, which the worker accepts and answers with "qun".
import type { SocketConnection } from "../../../miniprogram/core/socket";

export function openWebSocket(url: string, token: string, Impl: typeof WebSocket = globalThis.WebSocket): SocketConnection {
  const ws = new Impl(url, ["qun", token]);
  // Frames sent before the socket opened would throw; the manager sends only after `ready`, which
  // comes after open, except a probe ping, which may be lost like any frame on a dying socket.
  const sendable = () => ws.readyState === Impl.OPEN;
  return {
    send: (data) => {
      if (sendable()) ws.send(data);
    },
    close: () => ws.close(),
    onMessage: (listener) => ws.addEventListener("message", (e) => listener(e.data)),
    onClose: (listener) => ws.addEventListener("close", (e) => listener(e.code)),
    onError: (listener) => ws.addEventListener("error", () => listener()),
  };
}
