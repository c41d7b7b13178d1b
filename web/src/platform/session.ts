// Who is signed in to the web client. The access token lives in memory only (never in storage a
// script could read later): a reload gets a new one from POST /auth/web/refresh, which sends the
// HttpOnly `qun_web_session` cookie the QR sign-in set (credentials: "include", header
// X-Qun-Web: 1). A refused refresh (401) ends the session: the UI shows the QR code again.
import type { OwnProfile } from "../../../schema/api";
import { errorFromResponse, ApiError } from "../../../miniprogram/core/errors";
import { Store } from "../../../miniprogram/core/store";

export interface WebSessionState {
  accessToken: string | null;
  /** When the access token expires (ms since epoch), as the server said. */
  accessExpiresAt: number | null;
  user: OwnProfile | null;
  /** Why the last session ended: the user logged out, or the server refused it. */
  endedBy: "user" | "server" | null;
}

/** What POST /auth/web/refresh and a confirmed QR ticket answer. */
export interface WebSignIn {
  accessToken: string;
  accessExpiresAt: number;
  user: OwnProfile;
}

const SIGNED_OUT: WebSessionState = { accessToken: null, accessExpiresAt: null, user: null, endedBy: null };

export class WebSession {
  readonly store = new Store<WebSessionState>(() => SIGNED_OUT);
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly baseUrl: string,
    private readonly fetchFn: typeof fetch = (...args) => fetch(...args),
  ) {}

  get(): WebSessionState {
    return this.store.get();
  }

  accessToken(): string | null {
    return this.store.get().accessToken;
  }

  userId(): string | null {
    const s = this.store.get();
    return s.accessToken ? (s.user?.id ?? null) : null;
  }

  /** Takes a session the server granted (a confirmed QR ticket, a refresh, a test's dev sign-in). */
  signIn(grant: WebSignIn): void {
    this.store.set({ accessToken: grant.accessToken, accessExpiresAt: grant.accessExpiresAt, user: grant.user, endedBy: null });
  }

  replaceUser(user: OwnProfile): void {
    this.store.set({ user });
  }

  end(endedBy: "user" | "server"): void {
    this.store.set({ ...SIGNED_OUT, endedBy });
  }

  /**
   * A new access token from the session cookie. Concurrent callers share one call; a caller whose
   * token was already replaced meanwhile returns at once. Rejects (and ends the session on 401)
   * when the browser holds no live web session.
   */
  refresh(staleAccessToken?: string): Promise<void> {
    const current = this.accessToken();
    if (staleAccessToken && current && current !== staleAccessToken) return Promise.resolve();
    if (!this.refreshing) {
      this.refreshing = this.callRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  /** At start (a reload): signs in from the session cookie if there is one. Answers whether it did. */
  async resume(): Promise<boolean> {
    try {
      await this.refresh();
      return true;
    } catch (e) {
      // 404: a worker without the web sign-in routes has no web session to resume either.
      if (e instanceof ApiError && (e.status === 401 || e.status === 403 || e.status === 404)) return false;
      throw e;
    }
  }

  private async callRefresh(): Promise<void> {
    let res: Response;
    try {
      res = await this.fetchFn(`${this.baseUrl}/auth/web/refresh`, { method: "POST", credentials: "include", headers: { "x-qun-web": "1", "content-type": "application/json" }, body: "{}" });
    } catch (e) {
      throw new ApiError("network", e instanceof Error ? e.message : "fetch failed");
    }
    const data: unknown = await res.json().catch(() => null);
    if (res.ok) {
      this.signIn(data as WebSignIn);
      return;
    }
    const err = errorFromResponse(res.status, data, Object.fromEntries(res.headers));
    if (res.status === 401) this.end("server");
    throw err;
  }
}
