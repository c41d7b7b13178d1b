// WeChat's message push, the parts that are bytes in and bytes out: the signature over
// (token, timestamp, nonce) in plain mode, msg_signature over (token, timestamp, nonce, Encrypt)
// in safe mode, and safe mode's AES-256-CBC (key = EncodingAESKey + "=" decoded from base64, IV =
// its first 16 bytes; plaintext = 16 random bytes, a 4-byte big-endian length, the message, the
// AppID; PKCS#7 padded to a multiple of 32). WebCrypto only unpads 16-byte PKCS#7, so decryption
// appends one block that decrypts to a full 16-byte pad and strips WeChat's padding itself.
const enc = new TextEncoder();

async function sha1Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", enc.encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** sha1 of the parts sorted as strings and joined (both modes' signature). */
export const pushSignature = (parts: string[]) => sha1Hex([...parts].sort().join(""));

/** Constant-time comparison of two hex signatures. */
export function sameSignature(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

const b64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** The AES key of an EncodingAESKey (43 characters of base64 without its trailing "="). */
export async function pushAesKey(encodingAesKey: string): Promise<{ key: CryptoKey; iv: Uint8Array }> {
  const raw = b64(`${encodingAesKey}=`);
  if (raw.length !== 32) throw new Error("EncodingAESKey must decode to 32 bytes");
  return { key: await crypto.subtle.importKey("raw", raw, "AES-CBC", false, ["encrypt", "decrypt"]), iv: raw.slice(0, 16) };
}

/** Decrypts a safe-mode Encrypt field; answers the message and the AppID it names. */
export async function decryptPush(encodingAesKey: string, encrypted: string): Promise<{ message: string; appid: string }> {
  const { key, iv } = await pushAesKey(encodingAesKey);
  const data = b64(encrypted);
  if (data.length === 0 || data.length % 16 !== 0) throw new Error("ciphertext is not whole AES blocks");
  const last = data.slice(data.length - 16);
  // A block that decrypts (after `last`) to sixteen 0x10 bytes: WebCrypto then strips only it.
  const pad = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CBC", iv: last }, key, new Uint8Array(16).fill(16))).slice(0, 16);
  const joined = new Uint8Array(data.length + 16);
  joined.set(data);
  joined.set(pad, data.length);
  const plain = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-CBC", iv }, key, joined));
  const n = plain[plain.length - 1] ?? 0;
  if (n < 1 || n > 32) throw new Error("bad padding");
  const body = plain.slice(16, plain.length - n);
  const len = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(0);
  if (4 + len > body.length) throw new Error("bad length");
  const dec = new TextDecoder();
  return { message: dec.decode(body.slice(4, 4 + len)), appid: dec.decode(body.slice(4 + len)) };
}

/** Encrypts as WeChat does (tests and the fake WeChat use it to build safe-mode pushes). */
export async function encryptPush(encodingAesKey: string, message: string, appid: string): Promise<string> {
  const { key, iv } = await pushAesKey(encodingAesKey);
  const msg = enc.encode(message);
  const app = enc.encode(appid);
  const len = 16 + 4 + msg.length + app.length;
  const n = 32 - (len % 32);
  const plain = new Uint8Array(len + n).fill(n);
  plain.set(crypto.getRandomValues(new Uint8Array(16)));
  new DataView(plain.buffer).setUint32(16, msg.length);
  plain.set(msg, 20);
  plain.set(app, 20 + msg.length);
  // WebCrypto adds a whole 16-byte pad block to already-aligned input: drop it.
  const out = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CBC", iv }, key, plain)).slice(0, plain.length);
  let s = "";
  for (const b of out) s += String.fromCharCode(b);
  return btoa(s);
}
