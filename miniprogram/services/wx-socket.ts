// The mini-program's socket: wx.connectSocket, which can send the access token in the
// Authorization header, adapted to the client core's SocketConnection (core/socket.ts).
import { DEFAULT_TIMING, SocketManager as CoreSocketManager, type SocketConnection, type SocketDeps as CoreSocketDeps, type SocketTiming } from "../core/socket";

export { CLOSE_CODES, DEFAULT_TIMING, parseFrames, type SocketStatus, type SocketTiming } from "../core/socket";

export function openWxSocket(url: string, token: string): SocketConnection {
  const task = wx.connectSocket({ url, header: { authorization: `Bearer ${token}` } });
  return {
    send: (data) => task.send({ data }),
    close: () => task.close({}),
    onMessage: (listener) => task.onMessage((res) => listener(res.data)),
    onClose: (listener) => task.onClose((res) => listener(res.code)),
    onError: (listener) => task.onError(() => listener()),
  };
}

/** The core's dependencies, with wx.connectSocket as the opener unless one is given. */
export type SocketDeps = Omit<CoreSocketDeps, "open"> & Partial<Pick<CoreSocketDeps, "open">>;

/** The core's SocketManager opening wx sockets. */
export class SocketManager extends CoreSocketManager {
  constructor(deps: SocketDeps, timing: SocketTiming = DEFAULT_TIMING) {
    super({ open: openWxSocket, ...deps }, timing);
  }
}
