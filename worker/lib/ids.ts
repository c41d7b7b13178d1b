const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** Unguessable random string over [0-9a-z] (5.17 bits a character). */
export function randomString(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
  let out = "";
  for (let i = 0; out.length < length; i++) {
    if (i >= bytes.length) return out + randomString(length - out.length);
    const b = bytes[i]!;
    if (b < 252) out += ALPHABET[b % 36]; // 252 = 7 * 36: no modulo bias
  }
  return out;
}

/** Ids like `u_k3j9...`: a type prefix and 20 random characters (~103 bits). */
export const newId = (prefix: string) => `${prefix}_${randomString(20)}`;
