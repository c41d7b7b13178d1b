// Hashing, random tokens, passwords (PBKDF2 over a peppered HMAC) and base64url for tokens,
// signed URLs and stored hashes.
import { base64url } from "jose";
import { LIMITS } from "../../schema/limits";

const enc = new TextEncoder();

/** Unpadded base64url (RFC 4648 §5), the encoding of JWTs: jose's codec, which the tokens use already. */
export const toBase64Url = (bytes: Uint8Array): string => base64url.encode(bytes);
export const fromBase64Url = (s: string): Uint8Array => base64url.decode(s);

export function randomToken(bytes = 32): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", typeof data === "string" ? enc.encode(data) : data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function pbkdf2(password: Uint8Array, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

/** HMAC-SHA256 of the password under the server's pepper: what PBKDF2 is fed since the pepper. */
async function pepper(password: string, secret: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(password)));
}

// Hash versions: the scheme names what went into PBKDF2. Hashes stored before the pepper keep
// verifying as they are and are replaced on their owner's next successful sign-in.
const PEPPERED = "pbkdf2-sha256-peppered";
const UNPEPPERED = "pbkdf2-sha256";

/** Encoded as `pbkdf2-sha256-peppered$<iterations>$<salt>$<hash>` so the cost and scheme can change later. */
export async function hashPassword(password: string, pepperSecret: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await pbkdf2(await pepper(password, pepperSecret), salt, LIMITS.pbkdf2Iterations);
  return `${PEPPERED}$${LIMITS.pbkdf2Iterations}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

/** Whether a stored hash is in the current scheme and cost (otherwise rehash it at the next sign-in). */
export function isCurrentHash(encoded: string): boolean {
  return encoded.startsWith(`${PEPPERED}$${LIMITS.pbkdf2Iterations}$`);
}

export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return crypto.subtle.timingSafeEqual(a, b);
}

// Verifying against this when the account does not exist keeps the response time the same.
const DUMMY_HASH = `${PEPPERED}$${LIMITS.pbkdf2Iterations}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;

export async function verifyPassword(password: string, encoded: string | null, pepperSecret: string): Promise<boolean> {
  const parts = (encoded ?? DUMMY_HASH).split("$");
  const [scheme, iterations, salt, hash] = parts;
  if (parts.length !== 4 || (scheme !== PEPPERED && scheme !== UNPEPPERED) || !iterations || !salt || !hash) return false;
  const input = scheme === PEPPERED ? await pepper(password, pepperSecret) : enc.encode(password);
  const actual = await pbkdf2(input, fromBase64Url(salt), Number(iterations));
  return timingSafeEqual(actual, fromBase64Url(hash)) && encoded !== null;
}
