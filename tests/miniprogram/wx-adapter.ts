// A `wx` for tests, with WeChat's calling conventions and real transports behind them:
// wx.request over fetch, wx.connectSocket over the `ws` package, storage in a Map. UI calls
// (navigation, toasts, modals) are recorded so tests can assert on them.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { DEFAULT_API_BASE } from "../../miniprogram/services/config";
import { aac } from "../support/media-files";

type Callbacks<S> = { success?: (res: S) => void; fail?: (err: { errMsg: string }) => void; complete?: (res: unknown) => void };

function settle<S>(opts: Callbacks<S> | undefined, run: () => S | Promise<S>, name: string): Promise<S> {
  return Promise.resolve()
    .then(run)
    .then(
      (res) => {
        opts?.success?.(res);
        opts?.complete?.(res);
        return res;
      },
      (e: unknown) => {
        const err = { errMsg: `${name}:fail ${e instanceof Error ? e.message : String(e)}` };
        opts?.fail?.(err);
        opts?.complete?.(err);
        return undefined as S;
      },
    );
}

/** What wx.openDocument can open. */
const DOCUMENT_TYPES = new Set(["doc", "docx", "xls", "xlsx", "ppt", "pptx", "pdf"]);

/** The methods wx.request accepts; anything else fails the way WeChat fails it. */
const WX_METHODS = new Set(["OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "CONNECT"]);

export interface RequestRecord {
  method: string;
  url: string;
  header: Record<string, string>;
  data: unknown;
}

export interface WxAdapterOptions {
  /** WeChat's language (wx.getAppBaseInfo().language). English unless a spec says otherwise: the page specs written before the catalogues read English; the Chinese specs pass "zh_CN". */
  language?: string;
  /** Backs wx.request; defaults to the global fetch. Tests of the client core pass a fake server. */
  fetch?: (request: Request) => Promise<Response>;
  /** The code wx.login hands out. */
  loginCode?: () => string;
  /** Whether wx.showModal's user taps the confirm button. */
  confirmModals?: boolean;
  /** What the user types into an editable wx.showModal. */
  modalContent?: () => string;
  /** What wx.scanCode reads. */
  scanResult?: () => string;
  /** What wx.chooseMedia picks: a path of `files` with its details, or several (at most `count`, which WeChat caps at 9). */
  chooseMedia?: () => Picked | Picked[];
  /** What wx.chooseMessageFile picks from a chat (a path of `files`); nothing means the user cancels. */
  chooseMessageFile?: () => { path: string; size: number; name: string; type?: "file" | "image" | "video" } | undefined;
  /** Where wx.chooseLocation's user drops the pin; nothing means the user cancels. */
  chooseLocation?: () => { name: string; address: string; latitude: number; longitude: number } | undefined;
  /**
   * What the microphone hears between RecorderManager.start and stop: the recording's length
   * (by default the time really held) and its bytes (by default a few ADTS frames of AAC).
   */
  recording?: () => { durationMs?: number; bytes?: Uint8Array };
  /**
   * Permissions (wx.getSetting's authSetting) before the test: true on, false refused; a scope not
   * listed was never asked, and wx.authorize's prompt is answered `answerPrompts` (default yes).
   * A refused scope fails wx.authorize at once, as WeChat does; in wx.openSetting the user turns
   * every scope on when `turnOnInSettings`.
   */
  permissions?: Record<string, boolean>;
  answerPrompts?: boolean;
  turnOnInSettings?: boolean;
  /** Uploads report 50% and then wait for releaseUploads(), so a spec can watch them in flight. */
  holdUploads?: boolean;
  /** wx.getAccountInfoSync().miniProgram.envVersion: "develop" (DevTools), "trial" or "release". */
  envVersion?: "develop" | "trial" | "release";
}

/** One file wx.chooseMedia hands back. */
export type Picked = { type: "image" | "video"; tempFilePath: string; size: number; width?: number; height?: number; duration?: number; thumbTempFilePath?: string };

/** The tab pages of app.json: WeChat applies tab-bar badges only while one of them is on top. */
export const TAB_PAGES = ["pages/chats/index", "pages/contacts/index", "pages/discover/index", "pages/me/index"];
/** app.json, whose tab bar labels WeChat shows until wx.setTabBarItem changes them. */
const APP_JSON = join(dirname(fileURLToPath(import.meta.url)), "../../miniprogram/app.json");
/** WeChat's storage limits: 1 MB per key, 10 MB per user and mini-program (both in bytes of the stored value). */
export const STORAGE_KEY_LIMIT = 1024 * 1024;
export const STORAGE_TOTAL_LIMIT = 10 * 1024 * 1024;

/** One InnerAudioContext: the src it was given and the calls made on it, in order. */
export interface AudioRecord {
  src: string;
  calls: Array<"play" | "pause" | "stop" | "destroy">;
}

export interface WxAdapter {
  wx: Record<string, unknown>;
  storage: Map<string, string>;
  requests: RequestRecord[];
  navigations: Array<{ api: string; url: string }>;
  toasts: Array<{ title: string; icon?: string }>;
  modals: Array<{ title?: string; content?: string }>;
  sockets: WebSocket[];
  actionSheets: string[][];
  /** What wx.setClipboardData last put on the clipboard (null: nothing yet). */
  clipboard: string | null;
  /** wx.downloadFile URLs, and what was saved to the album or shared as an image (temp paths). */
  downloads: string[];
  album: string[];
  sharedImages: string[];
  /** Selectors wx.pageScrollTo was asked to bring into view. */
  scrolls: string[];
  /** wx.compressImage calls. */
  compressed: Array<{ src: string; quality?: number; compressedWidth?: number }>;
  /** Local files by path (what wx.uploadFile reads, and where wx.downloadFile and the recorder write), and upload progress reported. */
  files: Map<string, Uint8Array>;
  progress: number[];
  /** RecorderManager.start options, one per recording started. */
  recordings: Array<{ format?: string; duration?: number; sampleRate?: number }>;
  /** Every InnerAudioContext made, with its src and calls. */
  audio: AudioRecord[];
  /** wx.openDocument calls. */
  documents: Array<{ filePath: string; showMenu?: boolean; fileType?: string }>;
  /** wx.openLocation calls. */
  maps: Array<{ latitude: number; longitude: number; scale?: number; name?: string; address?: string }>;
  /** wx.previewImage ({ urls, current }) and wx.previewMedia ({ sources }) calls. */
  previews: Array<{ urls: string[]; current?: string } | { sources: Array<{ url: string; type?: string }> }>;
  /**
   * The tab bar's badges as WeChat applied them: wx.setTabBarBadge texts, and null for
   * wx.removeTabBarBadge, by tab index. A call made while no tab page is on top (during onLaunch,
   * or from a chat page) fails, as WeChat's does, and is not listed.
   */
  tabBadges: Array<{ index: number; text: string | null }>;
  /**
   * The tab bar's labels as WeChat shows them, by index: app.json's until wx.setTabBarItem
   * changes one, which (like the badge) fails while no tab page is on top.
   */
  tabLabels: string[];
  /** wx.setNavigationBarTitle titles, in order (the last is the one on screen). */
  titles: string[];
  /** Scopes WeChat prompted for (wx.authorize on a scope never asked), and wx.openSetting calls. */
  prompts: string[];
  settingsOpened: number;
  /** The `count` of every wx.chooseMedia call. */
  mediaPicks: number[];
  /** What every wx.chooseMedia call asked for: how many, which kinds, from the album or the camera. */
  mediaPickOptions: Array<{ count: number; mediaType?: string[]; sourceType?: string[] }>;
  /** Lets held uploads (holdUploads) finish. */
  releaseUploads(): void;
  /** Routes on the page stack, top last (empty during onLaunch); the navigation calls move it, tests may set it. */
  pageStack: string[];
  /** wx.onNetworkStatusChange listeners (setOffline calls them). */
  networkListeners: Array<(res: { isConnected: boolean; networkType: string }) => void>;
  /**
   * The phone froze the app in the background and its sockets died without a close event: from
   * now on they deliver nothing (no messages, no close, no error) and what is sent on them is lost.
   */
  killSocketsSilently(): void;
  /** Plays the audio that is playing to its end (InnerAudioContext.onEnded). */
  endAudio(): void;
  /** Cuts the network (requests fail, sockets drop and cannot connect) or restores it. */
  setOffline(offline: boolean): void;
  /** The index wx.showActionSheet's user taps next (then back to cancelling). */
  actionSheetChoice: number | null;
}

export function createWxAdapter(options: WxAdapterOptions = {}): WxAdapter {
  const doFetch = options.fetch ?? ((req: Request) => fetch(req));
  const storage = new Map<string, string>();
  const requests: RequestRecord[] = [];
  const navigations: WxAdapter["navigations"] = [];
  const toasts: WxAdapter["toasts"] = [];
  const modals: WxAdapter["modals"] = [];
  const actionSheets: string[][] = [];
  const downloads: string[] = [];
  const album: string[] = [];
  const sharedImages: string[] = [];
  const scrolls: string[] = [];
  const compressed: WxAdapter["compressed"] = [];
  const files = new Map<string, Uint8Array>();
  const progress: number[] = [];
  const recordings: WxAdapter["recordings"] = [];
  const audio: AudioRecord[] = [];
  const documents: WxAdapter["documents"] = [];
  const maps: WxAdapter["maps"] = [];
  const previews: WxAdapter["previews"] = [];
  const tabBadges: WxAdapter["tabBadges"] = [];
  const networkListeners: WxAdapter["networkListeners"] = [];
  const mediaPicks: number[] = [];
  const mediaPickOptions: WxAdapter["mediaPickOptions"] = [];
  const authSetting: Record<string, boolean> = { ...(options.permissions ?? {}) };
  const prompts: string[] = [];
  const heldUploads: Array<() => void> = [];
  let uploadsReleased = false;
  /** Sockets that died silently: their events are swallowed. */
  const silent = new Set<WebSocket>();
  /** InnerAudioContexts playing now, with their onEnded listeners (endAudio runs them). */
  const playing = new Set<{ ended: () => void }>();
  const sockets: WebSocket[] = [];
  let offline = false;

  function request(opts: Callbacks<unknown> & { url: string; method?: string; data?: unknown; header?: Record<string, string>; dataType?: string; timeout?: number }) {
    const method = (opts.method ?? "GET").toUpperCase();
    const header: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.header ?? {})) header[k.toLowerCase()] = String(v);
    header["content-type"] ??= "application/json";
    requests.push({ method, url: opts.url, header, data: opts.data });
    const controller = new AbortController();
    settle(
      opts,
      async () => {
        if (!WX_METHODS.has(method)) throw new Error(`invalid method ${method}`);
        if (offline) throw new Error("network is down");
        let url = opts.url;
        let body: string | undefined;
        if (method === "GET" || method === "HEAD") {
          if (opts.data && typeof opts.data === "object") {
            const qs = new URLSearchParams(Object.entries(opts.data as Record<string, unknown>).map(([k, v]) => [k, String(v)])).toString();
            if (qs) url += (url.includes("?") ? "&" : "?") + qs;
          }
        } else if (opts.data !== undefined) {
          body = typeof opts.data === "string" ? opts.data : JSON.stringify(opts.data);
        }
        const timer = setTimeout(() => controller.abort(), opts.timeout ?? 60_000);
        try {
          const res = await doFetch(new Request(url, { method, headers: header, body, signal: controller.signal }));
          const text = await res.text();
          let data: unknown = text;
          if ((opts.dataType ?? "json") === "json") {
            try {
              data = JSON.parse(text);
            } catch {
              data = text; // WeChat hands back the raw string when JSON.parse fails
            }
          }
          const resHeader: Record<string, string> = {};
          res.headers.forEach((v, k) => (resHeader[k] = v));
          return { statusCode: res.status, data, header: resHeader, errMsg: "request:ok" };
        } finally {
          clearTimeout(timer);
        }
      },
      "request",
    );
    return { abort: () => controller.abort(), onHeadersReceived() {}, offHeadersReceived() {} };
  }

  function connectSocket(opts: Callbacks<unknown> & { url: string; header?: Record<string, string>; protocols?: string[] }) {
    // Offline: a socket to nowhere, which fails the way a dead network does. So does a page spec's
    // socket to the default dev address while its HTTP goes to a fake server: a developer's
    // `npm run dev` on that port must not answer the fake session (it would close it with 4401).
    const toDevServer = options.fetch !== undefined && new URL(opts.url).host === new URL(DEFAULT_API_BASE).host;
    const ws = new WebSocket(offline || toDevServer ? "ws://127.0.0.1:9/" : opts.url, opts.protocols, { headers: opts.header });
    sockets.push(ws);
    settle(opts, () => ({ errMsg: "connectSocket:ok" }), "connectSocket");
    return {
      get readyState() {
        return ws.readyState;
      },
      send(o: Callbacks<unknown> & { data: string | ArrayBuffer }) {
        if (silent.has(ws)) return settle(o, () => ({ errMsg: "sendSocketMessage:ok" }), "sendSocketMessage");
        settle(o, () => new Promise((resolve, reject) => ws.send(o.data, (e) => (e ? reject(e) : resolve({ errMsg: "sendSocketMessage:ok" })))), "sendSocketMessage");
      },
      close(o: Callbacks<unknown> & { code?: number; reason?: string } = {}) {
        settle(
          o,
          () => {
            ws.close(o.code ?? 1000, o.reason);
            return { errMsg: "closeSocket:ok" };
          },
          "closeSocket",
        );
      },
      onOpen: (cb: (res: { header: Record<string, string> }) => void) => ws.on("open", () => cb({ header: {} })),
      onMessage: (cb: (res: { data: string | ArrayBuffer }) => void) =>
        ws.on("message", (data, isBinary) => {
          if (silent.has(ws)) return;
          const buf = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
          cb({ data: isBinary ? new Uint8Array(buf).buffer : buf.toString("utf8") });
        }),
      onClose: (cb: (res: { code: number; reason: string }) => void) => ws.on("close", (code, reason) => silent.has(ws) || cb({ code, reason: reason.toString() })),
      onError: (cb: (res: { errMsg: string }) => void) => ws.on("error", (e) => silent.has(ws) || cb({ errMsg: e.message })),
    };
  }

  const pageStack: string[] = [];
  const titles: string[] = [];
  const tabLabels = (JSON.parse(readFileSync(APP_JSON, "utf8")) as { tabBar: { list: Array<{ text: string }> } }).tabBar.list.map((item) => item.text);
  const navigate = (api: string) => (opts: Callbacks<unknown> & { url?: string; delta?: number }) => {
    navigations.push({ api, url: opts.url ?? `delta:${opts.delta ?? 1}` });
    const route = (opts.url ?? "").replace(/^\//, "").split("?")[0] ?? "";
    if (api === "navigateBack") pageStack.splice(Math.max(0, pageStack.length - (opts.delta ?? 1)));
    else if (api === "navigateTo") pageStack.push(route);
    else if (api === "redirectTo") pageStack.splice(pageStack.length - 1, 1, route);
    else pageStack.splice(0, pageStack.length, route); // reLaunch, switchTab
    return settle(opts, () => ({ errMsg: `${api}:ok` }), api);
  };

  /**
   * wx.getRecorderManager's one recorder. The events are WeChat's: onStart, onStop with
   * { tempFilePath, duration (ms), fileSize (bytes) }, onError with { errMsg }. It stops by itself
   * after start's `duration` (60 s by default). Whether a second onStop replaces the first is not
   * documented; this one keeps every listener, so a page that registers per recording hears each
   * recording as often as it registered.
   */
  const recorderListeners = {
    start: [] as Array<() => void>,
    stop: [] as Array<(res: { tempFilePath: string; duration: number; fileSize: number }) => void>,
    error: [] as Array<(res: { errMsg: string }) => void>,
  };
  let recordingSince = 0;
  let recordingFormat = "aac";
  let autoStop: ReturnType<typeof setTimeout> | null = null;
  const recorderError = (errMsg: string) => setTimeout(() => recorderListeners.error.forEach((l) => l({ errMsg })), 0);
  function stopRecording() {
    if (autoStop) clearTimeout(autoStop);
    autoStop = null;
    const heard = options.recording?.() ?? {};
    const duration = heard.durationMs ?? Date.now() - recordingSince;
    const bytes = heard.bytes ?? aac(Math.max(1, Math.round(duration / 23)));
    recordingSince = 0;
    const tempFilePath = `wxfile://tmp/recording-${recordings.length}.${recordingFormat}`;
    files.set(tempFilePath, bytes);
    setTimeout(() => recorderListeners.stop.forEach((l) => l({ tempFilePath, duration, fileSize: bytes.length })), 0);
  }
  const recorder = {
    start(o: { duration?: number; format?: string; sampleRate?: number } = {}) {
      if (recordingSince) return recorderError("operateRecorder:fail recorder is recording");
      recordings.push({ format: o.format, duration: o.duration, sampleRate: o.sampleRate });
      recordingSince = Date.now();
      recordingFormat = o.format ?? "aac";
      autoStop = setTimeout(stopRecording, Math.min(o.duration ?? 60_000, 600_000));
      setTimeout(() => recorderListeners.start.forEach((l) => l()), 0);
    },
    stop() {
      if (!recordingSince) return recorderError("operateRecorder:fail recorder not start");
      stopRecording();
    },
    pause() {},
    resume() {},
    onStart: (l: () => void) => void recorderListeners.start.push(l),
    onStop: (l: (typeof recorderListeners.stop)[number]) => void recorderListeners.stop.push(l),
    onError: (l: (typeof recorderListeners.error)[number]) => void recorderListeners.error.push(l),
    onPause() {},
    onResume() {},
    onFrameRecorded() {},
    onInterruptionBegin() {},
    onInterruptionEnd() {},
  };

  /**
   * An InnerAudioContext: play() fetches src through the adapter's fetch, then onPlay (or onError
   * with WeChat's codes: 10002 network, 10004 cannot play); endAudio() ends it (onEnded); stop()
   * fires onStop. Listeners add up and off… removes them, as WeChat's do.
   */
  function createAudio() {
    const record: AudioRecord = { src: "", calls: [] };
    audio.push(record);
    type Listener = (res?: unknown) => void;
    const on: Record<"play" | "ended" | "stop" | "pause" | "error" | "canplay", Listener[]> = { play: [], ended: [], stop: [], pause: [], error: [], canplay: [] };
    const emit = (event: keyof typeof on, res?: unknown) => {
      for (const l of on[event].slice()) l(res);
    };
    const handle = {
      ended: () => {
        playing.delete(handle);
        ctx.paused = true;
        emit("ended");
      },
    };
    const ctx: Record<string, unknown> & { paused: boolean } = {
      get src() {
        return record.src;
      },
      set src(value: string) {
        record.src = value;
      },
      autoplay: false,
      loop: false,
      volume: 1,
      paused: true,
      play() {
        record.calls.push("play");
        const src = record.src;
        void (async () => {
          try {
            if (offline) throw Object.assign(new Error("network is down"), { code: 10002 });
            const res = await doFetch(new Request(src));
            await res.arrayBuffer();
            if (!res.ok) throw Object.assign(new Error(`status ${res.status}`), { code: 10004 });
          } catch (e) {
            emit("error", { errMsg: e instanceof Error ? e.message : String(e), errCode: (e as { code?: number }).code ?? 10002 });
            return;
          }
          if (record.calls.at(-1) !== "play") return; // stopped or destroyed meanwhile
          ctx.paused = false;
          playing.add(handle);
          emit("canplay");
          emit("play");
        })();
      },
      pause() {
        record.calls.push("pause");
        playing.delete(handle);
        ctx.paused = true;
        emit("pause");
      },
      stop() {
        record.calls.push("stop");
        playing.delete(handle);
        ctx.paused = true;
        emit("stop");
      },
      destroy() {
        record.calls.push("destroy");
        playing.delete(handle);
        for (const k of Object.keys(on)) on[k as keyof typeof on] = [];
      },
      seek() {},
    };
    for (const event of Object.keys(on) as Array<keyof typeof on>) {
      const name = event === "canplay" ? "Canplay" : event[0]!.toUpperCase() + event.slice(1);
      ctx[`on${name}`] = (l: Listener) => void on[event].push(l);
      ctx[`off${name}`] = (l?: Listener) => void (on[event] = l ? on[event].filter((x) => x !== l) : []);
    }
    return ctx;
  }

  const noop = (api: string) => (opts?: Callbacks<unknown>) => settle(opts, () => ({ errMsg: `${api}:ok` }), api);

  const wx: Record<string, unknown> = {
    scanCode: (opts: Callbacks<{ result: string }>) =>
      settle(
        opts,
        () => {
          if (!options.scanResult) throw new Error("cancel");
          return { result: options.scanResult(), scanType: "QR_CODE", errMsg: "scanCode:ok" };
        },
        "scanCode",
      ),
    showActionSheet: (opts: Callbacks<{ tapIndex: number }> & { itemList: string[] }) => {
      actionSheets.push(opts.itemList);
      const choice = adapter.actionSheetChoice;
      adapter.actionSheetChoice = null;
      return settle(
        opts,
        () => {
          if (choice === null) throw new Error("cancel");
          return { tapIndex: choice, errMsg: "showActionSheet:ok" };
        },
        "showActionSheet",
      );
    },
    // Downloads go through the same fetch as requests; the file lands at a fake temp path.
    downloadFile: (opts: Callbacks<{ statusCode: number; tempFilePath: string }> & { url: string }) => {
      downloads.push(opts.url);
      return settle(
        opts,
        async () => {
          if (offline) throw new Error("network is down");
          const res = await doFetch(new Request(opts.url));
          // WeChat calls success whatever the status (a 404 page is downloaded too): callers check statusCode.
          const tempFilePath = `wxfile://tmp/download-${downloads.length}`;
          files.set(tempFilePath, new Uint8Array(await res.arrayBuffer()));
          return { statusCode: res.status, tempFilePath, errMsg: "downloadFile:ok" };
        },
        "downloadFile",
      );
    },
    // Multipart, as WeChat sends it: one file part under `name`, formData as text fields.
    uploadFile: (opts: Callbacks<{ statusCode: number; data: string }> & { url: string; filePath: string; name: string; header?: Record<string, string>; formData?: Record<string, unknown> }) => {
      const listeners: Array<(p: { progress: number; totalBytesSent: number; totalBytesExpectedToSend: number }) => void> = [];
      settle(
        opts,
        async () => {
          if (offline) throw new Error("network is down");
          const bytes = files.get(opts.filePath);
          if (!bytes) throw new Error(`no such file ${opts.filePath}`);
          if (options.holdUploads && !uploadsReleased) {
            for (const l of listeners) l({ progress: 50, totalBytesSent: bytes.length / 2, totalBytesExpectedToSend: bytes.length });
            await new Promise<void>((resolve) => heldUploads.push(resolve));
          }
          // Written by hand: under jsdom, FormData and Blob are jsdom's, which Node's fetch cannot send.
          const boundary = `----wxupload${Date.now().toString(16)}`;
          const text = (t: string) => Buffer.from(t, "utf8");
          const parts: Buffer[] = [];
          for (const [k, v] of Object.entries(opts.formData ?? {})) parts.push(text(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${String(v)}\r\n`));
          const filename = opts.filePath.split("/").pop() ?? "file";
          parts.push(
            text(`--${boundary}\r\nContent-Disposition: form-data; name="${opts.name}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
            Buffer.from(bytes),
            text(`\r\n--${boundary}--\r\n`),
          );
          const headers = { ...(opts.header ?? {}), "content-type": `multipart/form-data; boundary=${boundary}` };
          const res = await doFetch(new Request(opts.url, { method: "POST", headers, body: Buffer.concat(parts) }));
          for (const l of listeners) l({ progress: 100, totalBytesSent: bytes.length, totalBytesExpectedToSend: bytes.length });
          progress.push(100);
          return { statusCode: res.status, data: await res.text(), errMsg: "uploadFile:ok" };
        },
        "uploadFile",
      );
      return { onProgressUpdate: (cb: (typeof listeners)[number]) => void listeners.push(cb), abort() {} };
    },
    chooseMedia: (opts: Callbacks<unknown> & { count?: number; mediaType?: string[]; sourceType?: string[] }) =>
      settle(
        opts,
        () => {
          const count = opts.count ?? 9;
          mediaPicks.push(count);
          mediaPickOptions.push({ count, ...(opts.mediaType ? { mediaType: opts.mediaType } : {}), ...(opts.sourceType ? { sourceType: opts.sourceType } : {}) });
          if (count < 1 || count > 9) throw new Error("count must be between 1 and 9");
          const picked = options.chooseMedia?.();
          const list = (Array.isArray(picked) ? picked : picked ? [picked] : []).slice(0, count);
          if (list.length === 0) throw new Error("cancel");
          const type = list.every((p) => p.type === list[0]!.type) ? list[0]!.type : "mix";
          return { type, tempFiles: list.map((p) => ({ ...p, fileType: p.type })), errMsg: "chooseMedia:ok" };
        },
        "chooseMedia",
      ),
    // A stand-in for WeChat's compression: a new temp file (here with the same bytes).
    compressImage: (opts: Callbacks<unknown> & { src: string; quality?: number; compressedWidth?: number }) =>
      settle(
        opts,
        () => {
          const bytes = files.get(opts.src);
          if (!bytes) throw new Error(`no such file ${opts.src}`);
          const tempFilePath = `wxfile://tmp/compressed-${files.size}.jpg`;
          files.set(tempFilePath, bytes);
          compressed.push({ src: opts.src, quality: opts.quality, compressedWidth: opts.compressedWidth });
          return { tempFilePath, errMsg: "compressImage:ok" };
        },
        "compressImage",
      ),
    saveImageToPhotosAlbum: (opts: Callbacks<unknown> & { filePath: string }) => {
      album.push(opts.filePath);
      return settle(opts, () => ({ errMsg: "saveImageToPhotosAlbum:ok" }), "saveImageToPhotosAlbum");
    },
    showShareImageMenu: (opts: Callbacks<unknown> & { path: string }) => {
      sharedImages.push(opts.path);
      return settle(opts, () => ({ errMsg: "showShareImageMenu:ok" }), "showShareImageMenu");
    },
    // wx.chooseMessageFile: files picked from a chat, as tempFiles of { path, size, name, type, time }.
    chooseMessageFile: (opts: Callbacks<unknown> & { count: number; type?: string }) =>
      settle(
        opts,
        () => {
          const picked = options.chooseMessageFile?.();
          if (!picked) throw new Error("cancel");
          if (!files.has(picked.path)) throw new Error(`no such file ${picked.path}`);
          return { tempFiles: [{ type: "file", time: Math.floor(Date.now() / 1000), ...picked }], errMsg: "chooseMessageFile:ok" };
        },
        "chooseMessageFile",
      ),
    // wx.chooseLocation: the map picker's answer (gcj02 coordinates).
    chooseLocation: (opts: Callbacks<unknown> & { latitude?: number; longitude?: number }) =>
      settle(
        opts,
        () => {
          const picked = options.chooseLocation?.();
          if (!picked) throw new Error("cancel");
          return { ...picked, errMsg: "chooseLocation:ok" };
        },
        "chooseLocation",
      ),
    openLocation: (opts: Callbacks<unknown> & { latitude: number; longitude: number; scale?: number; name?: string; address?: string }) => {
      const { success: _s, fail: _f, complete: _c, ...shown } = opts;
      maps.push(shown);
      return settle(
        opts,
        () => {
          if (typeof opts.latitude !== "number" || typeof opts.longitude !== "number") throw new Error("invalid latitude or longitude");
          return { errMsg: "openLocation:ok" };
        },
        "openLocation",
      );
    },
    // wx.previewImage needs urls, and current (when given) must be one of them; wx.previewMedia needs sources.
    previewImage: (opts: Callbacks<unknown> & { urls: string[]; current?: string }) => {
      previews.push({ urls: opts.urls, ...(opts.current !== undefined ? { current: opts.current } : {}) });
      return settle(
        opts,
        () => {
          if (!Array.isArray(opts.urls) || opts.urls.length === 0) throw new Error("urls is empty");
          if (opts.current !== undefined && !opts.urls.includes(opts.current)) throw new Error("current is not in urls");
          return { errMsg: "previewImage:ok" };
        },
        "previewImage",
      );
    },
    previewMedia: (opts: Callbacks<unknown> & { sources: Array<{ url: string; type?: string }> }) => {
      previews.push({ sources: opts.sources });
      return settle(
        opts,
        () => {
          if (!Array.isArray(opts.sources) || opts.sources.length === 0) throw new Error("sources is empty");
          return { errMsg: "previewMedia:ok" };
        },
        "previewMedia",
      );
    },
    // wx.openDocument opens doc(x), xls(x), ppt(x) and pdf only, known from fileType or the path's extension.
    openDocument: (opts: Callbacks<unknown> & { filePath: string; showMenu?: boolean; fileType?: string }) => {
      const { success: _s, fail: _f, complete: _c, ...shown } = opts;
      documents.push(shown);
      return settle(
        opts,
        () => {
          if (!files.has(opts.filePath)) throw new Error(`no such file ${opts.filePath}`);
          const type = opts.fileType ?? /\.([a-z0-9]+)$/i.exec(opts.filePath)?.[1]?.toLowerCase();
          if (!type || !DOCUMENT_TYPES.has(type)) throw new Error("filetype not supported");
          return { errMsg: "openDocument:ok" };
        },
        "openDocument",
      );
    },
    getRecorderManager: () => recorder,
    createInnerAudioContext: () => createAudio(),
    // WeChat's badge text is at most four characters (the app writes "99+" past 99).
    setTabBarBadge: (opts: Callbacks<unknown> & { index: number; text: string }) => {
      const onTab = TAB_PAGES.includes(pageStack.at(-1) ?? ""); // as the call is made
      return settle(
        opts,
        () => {
          if (opts.text.length > 4) throw new Error("text too long");
          if (!onTab) throw new Error("not TabBar page");
          tabBadges.push({ index: opts.index, text: opts.text });
          return { errMsg: "setTabBarBadge:ok" };
        },
        "setTabBarBadge",
      );
    },
    removeTabBarBadge: (opts: Callbacks<unknown> & { index: number }) => {
      const onTab = TAB_PAGES.includes(pageStack.at(-1) ?? "");
      return settle(
        opts,
        () => {
          if (!onTab) throw new Error("not TabBar page");
          tabBadges.push({ index: opts.index, text: null });
          return { errMsg: "removeTabBarBadge:ok" };
        },
        "removeTabBarBadge",
      );
    },
    // The red dot (no number): recorded in tabBadges as the text "dot", and "nodot" when hidden.
    showTabBarRedDot: (opts: Callbacks<unknown> & { index: number }) => {
      const onTab = TAB_PAGES.includes(pageStack.at(-1) ?? "");
      return settle(
        opts,
        () => {
          if (!onTab) throw new Error("not TabBar page");
          tabBadges.push({ index: opts.index, text: "dot" });
          return { errMsg: "showTabBarRedDot:ok" };
        },
        "showTabBarRedDot",
      );
    },
    hideTabBarRedDot: (opts: Callbacks<unknown> & { index: number }) => {
      const onTab = TAB_PAGES.includes(pageStack.at(-1) ?? "");
      return settle(
        opts,
        () => {
          if (!onTab) throw new Error("not TabBar page");
          tabBadges.push({ index: opts.index, text: "nodot" });
          return { errMsg: "hideTabBarRedDot:ok" };
        },
        "hideTabBarRedDot",
      );
    },
    getSetting: (opts: Callbacks<unknown>) => settle(opts, () => ({ authSetting: { ...authSetting }, errMsg: "getSetting:ok" }), "getSetting"),
    authorize: (opts: Callbacks<unknown> & { scope: string }) =>
      settle(
        opts,
        () => {
          if (authSetting[opts.scope] === undefined) {
            prompts.push(opts.scope);
            authSetting[opts.scope] = options.answerPrompts ?? true;
          }
          if (!authSetting[opts.scope]) throw new Error("auth deny");
          return { errMsg: "authorize:ok" };
        },
        "authorize",
      ),
    openSetting: (opts: Callbacks<unknown>) => {
      adapter.settingsOpened++;
      return settle(
        opts,
        () => {
          if (options.turnOnInSettings) for (const k of Object.keys(authSetting)) authSetting[k] = true;
          return { authSetting: { ...authSetting }, errMsg: "openSetting:ok" };
        },
        "openSetting",
      );
    },
    onNetworkStatusChange: (listener: (typeof networkListeners)[number]) => void networkListeners.push(listener),
    offNetworkStatusChange: (listener?: (typeof networkListeners)[number]) =>
      void networkListeners.splice(0, networkListeners.length, ...(listener ? networkListeners.filter((l) => l !== listener) : [])),
    getNetworkType: (opts: Callbacks<unknown>) => settle(opts, () => ({ networkType: offline ? "none" : "wifi", errMsg: "getNetworkType:ok" }), "getNetworkType"),
    getAccountInfoSync: () => ({ miniProgram: { appId: "touristappid", envVersion: options.envVersion ?? "develop", version: "" } }),
    setNavigationBarTitle: (opts: Callbacks<unknown> & { title: string }) => {
      titles.push(opts.title);
      return settle(opts, () => ({ errMsg: "setNavigationBarTitle:ok" }), "setNavigationBarTitle");
    },
    setTabBarItem: (opts: Callbacks<unknown> & { index: number; text?: string }) => {
      const onTab = TAB_PAGES.includes(pageStack.at(-1) ?? "");
      return settle(
        opts,
        () => {
          if (!onTab) throw new Error("not TabBar page");
          if (opts.text !== undefined) tabLabels[opts.index] = opts.text;
          return { errMsg: "setTabBarItem:ok" };
        },
        "setTabBarItem",
      );
    },
    pageScrollTo: (opts: Callbacks<unknown> & { selector?: string; scrollTop?: number }) => {
      scrolls.push(opts.selector ?? `top:${opts.scrollTop ?? 0}`);
      return settle(opts, () => ({ errMsg: "pageScrollTo:ok" }), "pageScrollTo");
    },
    stopPullDownRefresh: noop("stopPullDownRefresh"),
    setClipboardData: (opts: Callbacks<unknown> & { data: string }) => {
      adapter.clipboard = opts.data;
      return noop("setClipboardData")(opts);
    },
    getLocation: (opts: Callbacks<unknown>) => settle(opts, () => ({ latitude: 31.2304, longitude: 121.4737, errMsg: "getLocation:ok" }), "getLocation"),
    request,
    connectSocket,
    // Storage holds JSON, as WeChat's does: values come back as copies, and "" means missing.
    getStorageSync: (key: string) => (storage.has(key) ? JSON.parse(storage.get(key)!) : ""),
    // WeChat refuses a value over 1 MB and a write that would take the total past 10 MB (sync APIs throw).
    setStorageSync: (key: string, value: unknown) => {
      const json = JSON.stringify(value);
      const bytes = Buffer.byteLength(json);
      if (bytes > STORAGE_KEY_LIMIT) throw new Error("setStorageSync:fail:entry size limit reached");
      let total = bytes;
      for (const [k, v] of storage) if (k !== key) total += Buffer.byteLength(v);
      if (total > STORAGE_TOTAL_LIMIT) throw new Error("setStorageSync:fail:storage limit reached");
      storage.set(key, json);
    },
    getStorageInfoSync: () => {
      let bytes = 0;
      for (const v of storage.values()) bytes += Buffer.byteLength(v);
      return { keys: [...storage.keys()], currentSize: Math.ceil(bytes / 1024), limitSize: STORAGE_TOTAL_LIMIT / 1024 };
    },
    removeStorageSync: (key: string) => void storage.delete(key),
    clearStorageSync: () => storage.clear(),
    login: (opts: Callbacks<{ code: string; errMsg: string }>) => settle(opts, () => ({ code: options.loginCode?.() ?? "test-code", errMsg: "login:ok" }), "login"),
    getDeviceInfo: () => ({ brand: "devtools", model: "simulate", system: "Node", platform: "devtools" }),
    getAppBaseInfo: () => ({ language: options.language ?? "en", SDKVersion: "3.7.0", enableDebug: false, host: { env: "WeChat" }, theme: "light", fontSizeSetting: 16 }),
    navigateTo: navigate("navigateTo"),
    redirectTo: navigate("redirectTo"),
    reLaunch: navigate("reLaunch"),
    switchTab: navigate("switchTab"),
    navigateBack: navigate("navigateBack"),
    showToast: (opts: Callbacks<unknown> & { title: string; icon?: string }) => {
      toasts.push({ title: opts.title, icon: opts.icon });
      return settle(opts, () => ({ errMsg: "showToast:ok" }), "showToast");
    },
    hideToast: (opts?: Callbacks<unknown>) => settle(opts, () => ({ errMsg: "hideToast:ok" }), "hideToast"),
    showModal: (opts: Callbacks<{ confirm: boolean; cancel: boolean }> & { title?: string; content?: string }) => {
      modals.push({ title: opts.title, content: opts.content });
      const confirm = options.confirmModals ?? true;
      return settle(opts, () => ({ confirm, cancel: !confirm, content: options.modalContent?.() ?? "", errMsg: "showModal:ok" }), "showModal");
    },
  };

  const adapter: WxAdapter = {
    wx,
    clipboard: null,
    storage,
    requests,
    navigations,
    toasts,
    modals,
    sockets,
    actionSheets,
    downloads,
    album,
    sharedImages,
    scrolls,
    compressed,
    files,
    progress,
    recordings,
    audio,
    documents,
    maps,
    previews,
    tabBadges,
    tabLabels,
    titles,
    pageStack,
    networkListeners,
    mediaPicks,
    mediaPickOptions,
    prompts,
    settingsOpened: 0,
    releaseUploads() {
      uploadsReleased = true;
      for (const r of heldUploads.splice(0)) r();
    },
    killSocketsSilently() {
      for (const ws of sockets) silent.add(ws);
    },
    endAudio() {
      for (const p of [...playing]) p.ended();
    },
    actionSheetChoice: null,
    setOffline(value: boolean) {
      const changed = offline !== value;
      offline = value;
      if (value) for (const ws of sockets) ws.terminate();
      if (changed) for (const l of networkListeners.slice()) l({ isConnected: !value, networkType: value ? "none" : "wifi" });
    },
  };
  return adapter;
}

/** Puts the adapter's functions on the global `wx` (creating it, or over simulate's canned one). */
export function installWx(adapter: WxAdapter): void {
  const g = globalThis as { wx?: Record<string, unknown> };
  g.wx = Object.assign(g.wx ?? {}, adapter.wx);
}

/** Closes every socket the adapter opened. */
export function closeSockets(adapter: WxAdapter): void {
  for (const ws of adapter.sockets) ws.terminate();
}
