// Signing in and out, and the signed-in user's own profile.
import type { AccountDeletion, AuthResponse, DeleteAccountBody, OwnProfile, UpdateProfileBody } from "../../schema/api";
import { api } from "./api";
import { ApiError } from "./errors";
import { PROFILE_LIMITS } from "../generated/limits";
import { endSession, isSignedIn, replaceUser, startSession } from "./session";

export const LOGIN_PAGE = "/pages/login/index";
export const HOME_PAGE = "/pages/chats/index";
/** Asked once, after the sign-in that created the account: a photo and a name (skippable). */
export const WELCOME_PAGE = "/pages/welcome/index";

export interface ServerInfo {
  status: string;
  environment: string;
}

/** A label for this device in the server's session list, e.g. "iPhone 15 (iOS 18.1)". */
export function deviceLabel(): string {
  try {
    const info = typeof wx.getDeviceInfo === "function" ? wx.getDeviceInfo() : wx.getSystemInfoSync();
    const label = `${info.brand ?? ""} ${info.model ?? ""} (${info.system ?? ""})`.replace(/\s+/g, " ").trim();
    return label.slice(0, PROFILE_LIMITS.deviceMax);
  } catch {
    return "mini-program";
  }
}

function signedIn(res: AuthResponse): OwnProfile {
  startSession(res);
  return res.user;
}

/** The server's health answer; its `environment` tells whether the development login exists. */
export function serverInfo(): Promise<ServerInfo> {
  return api.get<"/health">("/health", undefined, { auth: false, timeout: 5_000 });
}

function wxLoginCode(): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => (res.code ? resolve(res.code) : reject(new ApiError("wechat_code_invalid", "WeChat did not give a login code"))),
      fail: (err) => reject(new ApiError("network", err.errMsg || "WeChat login failed")),
    });
  });
}

/** Signs in with WeChat; `created` is true the first time, when the account was made by this sign-in. */
export async function loginWithWechat(): Promise<{ user: OwnProfile; created: boolean }> {
  const code = await wxLoginCode();
  const res = await api.post<"/auth/wechat">("/auth/wechat", { code, device: deviceLabel() }, { auth: false });
  return { user: signedIn(res), created: res.created };
}

/** Development servers only: sign in as `name` without WeChat. */
export async function loginDev(name: string): Promise<OwnProfile> {
  return signedIn(await api.post<"/auth/dev">("/auth/dev", { name: name.trim(), device: deviceLabel() }, { auth: false }));
}

export async function loginWithPassword(username: string, password: string): Promise<OwnProfile> {
  return signedIn(await api.post<"/auth/login">("/auth/login", { username: username.trim(), password, device: deviceLabel() }, { auth: false }));
}

/** Ends the session on the server when it can, and on this device always. */
export async function logout(): Promise<void> {
  try {
    if (isSignedIn()) await api.post<"/auth/logout">("/auth/logout");
  } catch {
    // The server may be unreachable or the session already gone: signing out locally is what counts.
  } finally {
    endSession("user");
  }
}

/**
 * Deletes the account (docs/api.md#deleting-an-account), then forgets it on this device the way
 * signing out does. A refusal (wrong password) throws and leaves the session as it was.
 */
export async function deleteAccount(body: DeleteAccountBody): Promise<AccountDeletion> {
  const result = await api.del<"/me">("/me", { body });
  endSession("user");
  return result;
}

export async function loadProfile(): Promise<OwnProfile> {
  const user = await api.get<"/me">("/me");
  replaceUser(user);
  return user;
}

export async function updateProfile(patch: UpdateProfileBody): Promise<OwnProfile> {
  const user = await api.patch<"/me">("/me", patch);
  replaceUser(user);
  return user;
}

/** A page to open after signing in: its route and query, as onLoad and App.onLaunch receive them. */
export interface PageTarget {
  path: string;
  query?: Record<string, string | undefined>;
}

const PAGE_ROUTE = /^pages\/[a-z0-9-]+\/index$/;

/** Encodes a query value once, whether WeChat handed it over encoded (a scanned code's `q`) or not. */
function encodeOnce(value: string): string {
  try {
    return encodeURIComponent(decodeURIComponent(value));
  } catch {
    return encodeURIComponent(value);
  }
}

/** The URL of a page of this app with its query, or null for anything else (and for Login and Chats). */
export function pageUrl(target: PageTarget): string | null {
  const route = target.path.replace(/^\//, "").split("?")[0] ?? "";
  if (!PAGE_ROUTE.test(route) || `/${route}` === LOGIN_PAGE || `/${route}` === HOME_PAGE) return null;
  const qs = Object.entries(target.query ?? {})
    .filter((e): e is [string, string] => typeof e[1] === "string")
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeOnce(v)}`)
    .join("&");
  return `/${route}${qs ? `?${qs}` : ""}`;
}

/** The login page, carrying the page to open after signing in (a scanned invite survives sign-in). */
export function loginUrl(target?: PageTarget): string {
  const next = target ? pageUrl(target) : null;
  return next ? `${LOGIN_PAGE}?next=${encodeURIComponent(next)}` : LOGIN_PAGE;
}

/** Where the login page goes once signed in: its `next` when that names a page of this app, else Chats. */
export function afterLoginUrl(next: string | undefined): string {
  if (!next) return HOME_PAGE;
  let url = next;
  try {
    if (!url.startsWith("/")) url = decodeURIComponent(url);
  } catch {
    return HOME_PAGE;
  }
  const [path = "", query = ""] = url.split("?");
  return PAGE_ROUTE.test(path.replace(/^\//, "")) && pageUrl({ path }) ? `${path}${query ? `?${query}` : ""}` : HOME_PAGE;
}

/** For pages that need a session: sends the user to the login page when there is none, and back here after. */
export function ensureSignedIn(target?: PageTarget): boolean {
  if (isSignedIn()) return true;
  wx.reLaunch({ url: loginUrl(target) });
  return false;
}
