// Who is signed in: tokens and the current user, kept in wx storage so a restart stays signed in.
import type { AuthResponse, AuthTokens, OwnProfile } from "../../schema/api";
import { readStorage, removeStorage, STORAGE_KEYS, writeStorage } from "./storage";
import { Store } from "./store";

export interface SessionState {
  tokens: AuthTokens | null;
  user: OwnProfile | null;
  /** Why the last session ended: the user logged out, or the server refused its tokens. */
  endedBy: "user" | "server" | null;
}

function restore(): SessionState {
  const saved = readStorage<SessionState>(STORAGE_KEYS.session);
  return saved && saved.tokens ? { tokens: saved.tokens, user: saved.user ?? null, endedBy: null } : { tokens: null, user: null, endedBy: null };
}

export const session = new Store<SessionState>(restore);

function save(patch: Partial<SessionState>): void {
  session.set(patch);
  const state = session.get();
  if (state.tokens) writeStorage(STORAGE_KEYS.session, { tokens: state.tokens, user: state.user });
  else removeStorage(STORAGE_KEYS.session);
}

export function isSignedIn(): boolean {
  return session.get().tokens !== null;
}

export function currentTokens(): AuthTokens | null {
  return session.get().tokens;
}

export function startSession(res: AuthResponse): void {
  const { user, accessToken, accessTokenExpiresAt, refreshToken, refreshTokenExpiresAt } = res;
  save({ tokens: { accessToken, accessTokenExpiresAt, refreshToken, refreshTokenExpiresAt }, user, endedBy: null });
}

export function replaceTokens(tokens: AuthTokens): void {
  save({ tokens });
}

export function replaceUser(user: OwnProfile): void {
  save({ user });
}

export function endSession(endedBy: "user" | "server"): void {
  save({ tokens: null, user: null, endedBy });
}
