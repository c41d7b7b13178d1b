// The one place the app's WeChat access token is fetched and refreshed. WeChat invalidates the
// old token whenever anyone forces a refresh (and refuses refreshes that come too often), so
// isolates must not each force one when a call answers 40001/42001: they ask this object, which
// refreshes at most once for a given stale token (concurrent askers share that one refresh, and
// an asker whose token was already replaced gets the new one without another refresh).
// One instance per AppID (`idFromName("wechat:" + appid)`). Also holds the app-wide back-off
// WeChat's quota errors (45009) ask for.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { guard, type Result } from "../lib/result";
import { fetchStableToken, type StableToken, type WechatCredentials } from "./stable-token";

/** A token is handed out until this long before WeChat says it expires. */
const TOKEN_MARGIN_MS = 5 * 60_000;
/** WeChat refreshes a token by force at most once in this long (and 20 times a day). */
const FORCE_GAP_MS = 30_000;

export class WechatObject extends DurableObject<Env> {
  private current: StableToken | null = null;
  private inflight: Promise<StableToken> | null = null;
  private forcedAt = 0;
  /** Since the object woke: stable_token calls made, and how many forced a refresh. */
  private readonly counters = { fetches: 0, forced: 0 };

  /** A valid token: the one held, or stable_token's current one (never forced). */
  async token(creds: WechatCredentials): Promise<Result<StableToken>> {
    return guard(() => this.valid(creds));
  }

  private async valid(creds: WechatCredentials): Promise<StableToken> {
    const held = this.current ?? (await this.ctx.storage.get<StableToken>("token")) ?? null;
    if (held && held.expiresAt - TOKEN_MARGIN_MS > Date.now()) return (this.current = held);
    return this.fetch_(creds, false);
  }

  /**
   * A token to use instead of `stale`, which WeChat refused. Forces a refresh only when `stale`
   * is still the newest token held; callers that arrive while that refresh is in flight share it.
   */
  async refresh(creds: WechatCredentials, stale: string): Promise<Result<StableToken>> {
    return guard(() => this.replace(creds, stale));
  }

  private async replace(creds: WechatCredentials, stale: string): Promise<StableToken> {
    if (this.inflight) return this.inflight;
    const held = this.current ?? (await this.ctx.storage.get<StableToken>("token")) ?? null;
    if (held && held.token !== stale && held.expiresAt - TOKEN_MARGIN_MS > Date.now()) return (this.current = held);
    // WeChat ignores forced refreshes less than 30 s apart (and allows 20 a day): ask plainly then.
    return this.fetch_(creds, Date.now() - this.forcedAt >= FORCE_GAP_MS);
  }

  private fetch_(creds: WechatCredentials, force: boolean): Promise<StableToken> {
    if (this.inflight) return this.inflight;
    this.counters.fetches++;
    if (force) {
      this.counters.forced++;
      this.forcedAt = Date.now();
    }
    const run = fetchStableToken(creds, force).then(async (t) => {
      this.current = t;
      await this.ctx.storage.put("token", t);
      return t;
    });
    this.inflight = run.finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /** After WeChat's quota error: no notices until `until`. */
  async backOff(until: number): Promise<void> {
    const now = (await this.ctx.storage.get<number>("backoffUntil")) ?? 0;
    if (until > now) await this.ctx.storage.put("backoffUntil", until);
  }

  async backedOffUntil(): Promise<number> {
    return (await this.ctx.storage.get<number>("backoffUntil")) ?? 0;
  }

  /** Tests and operators: the stable_token calls since the object woke. */
  async stats() {
    return { ...this.counters };
  }
}
