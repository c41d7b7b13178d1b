// Random ids and codes from the CSPRNG, each character drawn uniformly from its alphabet.
const BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz";

/**
 * `length` characters of `alphabet` (at most 256 of them). Bytes from the largest multiple of the
 * alphabet's size up are skipped, so no character is likelier than another (no modulo bias).
 */
export function randomFrom(alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length);
  let out = "";
  while (out.length < length) {
    for (const b of crypto.getRandomValues(new Uint8Array((length - out.length) * 2))) {
      if (b < limit) out += alphabet[b % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Unguessable random string over [0-9a-z] (5.17 bits a character). */
export const randomString = (length: number) => randomFrom(BASE36, length);

/** Ids like `u_k3j9...`: a type prefix and 20 random characters (~103 bits). */
export const newId = (prefix: string) => `${prefix}_${randomString(20)}`;
