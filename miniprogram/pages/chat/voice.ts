// Voice on one chat page: hold to talk (at least a second, at most a minute, slide up to cancel,
// as in WeChat) and playing a voice message. One controller per page, made in onLoad and released
// in onUnload: WeChat keeps several chat pages alive in the page stack, and two chats open one
// over the other must not share a recording, a cancel or a player.
import { t } from "../../i18n/index";

/** The page data the controller draws into (the talk button, the overlay, the bubble playing). */
export interface VoiceView {
  readonly data: { recording: boolean; recordCancel: boolean; playing: number };
  setData(patch: { recording?: boolean; recordCancel?: boolean; playing?: number }): void;
}

/** A recording to send as a voice message. */
export interface Recorded {
  tempFilePath: string;
  durationMs: number;
  size: number;
}

/** Voice messages: at least a second (shorter ones are "Too short"), at most a minute, as in WeChat. */
const VOICE_MIN_MS = 1000;
const VOICE_MAX_MS = 60_000;
/** How far (px) the finger slides up from where it pressed before letting go cancels, as in WeChat. */
const CANCEL_SWIPE_PX = 50;
const touchY = (e: WechatMiniprogram.TouchEvent) => e.touches?.[0]?.clientY ?? e.changedTouches?.[0]?.clientY ?? 0;

// Shared by design: wx.getRecorderManager() hands out one recorder for the whole app, and WeChat
// does not say whether a second onStop replaces the first, so its listeners are set once here and
// passed to the controller that started the recording.
let manager: WechatMiniprogram.RecorderManager | null = null;
let recordingNow: VoiceController | null = null;

function recorder(): WechatMiniprogram.RecorderManager {
  // Asking each time keeps this right wherever wx comes from (the tests install a fresh one).
  const current = wx.getRecorderManager();
  if (manager !== current) {
    manager = current;
    current.onStop((res) => recordingNow?.stopped(res));
    current.onError(() => recordingNow?.stopped(null));
  }
  return current;
}

export class VoiceController {
  private player: WechatMiniprogram.InnerAudioContext | null = null;
  /** Where the finger pressed the talk button. */
  private startY = 0;
  /** Set when the touch is cancelled: the recording that stops next is not sent. */
  private discard = false;

  constructor(
    private readonly view: VoiceView,
    private readonly send: (recorded: Recorded) => void,
    private readonly say: (message: string) => void,
  ) {}

  // ---- Playing ------------------------------------------------------------------------------

  /** Plays a voice message's signed URL; the bubble shows it playing until it ends or fails. */
  play(seq: number, url: string): void {
    this.stop();
    const ctx = wx.createInnerAudioContext();
    this.player = ctx;
    const done = () => {
      if (this.player === ctx) this.view.setData({ playing: 0 });
    };
    ctx.src = url;
    ctx.onEnded(done);
    ctx.onError(() => {
      done();
      this.say(t("chat.voiceFailed"));
    });
    ctx.play();
    this.view.setData({ playing: seq });
  }

  /** Stops and frees the voice playing, if any (InnerAudioContext is not freed by itself); returns its seq, or 0. */
  stop(): number {
    const ctx = this.player;
    const was = this.view.data.playing;
    this.player = null;
    if (ctx) {
      ctx.stop();
      ctx.destroy();
    }
    if (was) this.view.setData({ playing: 0 });
    return was;
  }

  // ---- Hold to talk ---------------------------------------------------------------------------

  start(e: WechatMiniprogram.TouchEvent): void {
    this.startY = touchY(e);
    const manager = recorder();
    recordingNow = this;
    this.discard = false;
    manager.start({ format: "aac", duration: VOICE_MAX_MS });
    this.view.setData({ recording: true, recordCancel: false });
  }

  /** Sliding up by CANCEL_SWIPE_PX arms the cancel; sliding back down disarms it. */
  move(e: WechatMiniprogram.TouchEvent): void {
    if (!this.view.data.recording) return;
    const cancel = this.startY - touchY(e) > CANCEL_SWIPE_PX;
    if (cancel !== this.view.data.recordCancel) this.view.setData({ recordCancel: cancel });
  }

  end(): void {
    if (this.view.data.recordCancel) this.discard = true;
    if (this.view.data.recording) manager?.stop();
  }

  /** The touch was taken away (a call, the system): the recording is dropped, not sent. */
  cancel(): void {
    this.discard = true;
    if (this.view.data.recording) manager?.stop();
  }

  /** The recorder stopped (released, or at 60 s): send what it heard unless it is under a second. */
  stopped(res: WechatMiniprogram.OnStopListenerResult | null): void {
    if (recordingNow === this) recordingNow = null;
    this.view.setData({ recording: false, recordCancel: false });
    if (!res || this.discard) return;
    if (res.duration < VOICE_MIN_MS) {
      wx.showToast({ title: t("chat.tooShort"), icon: "none" });
      return;
    }
    this.send({ tempFilePath: res.tempFilePath, durationMs: Math.round(res.duration), size: res.fileSize });
  }

  /** The page is going away: stop playing, and a recording still running is no longer this page's. */
  release(): void {
    this.stop();
    if (recordingNow === this) recordingNow = null;
  }
}
