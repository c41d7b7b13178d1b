// Text that other people see as a name or label (nicknames, group names, remarks, tags,
// announcements...): one rule for all of it, so a name cannot pretend to be something else.
import { z } from "zod";

// A UTF-16 surrogate without its partner: not a character at all (JSON can carry one as "\ud800").
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Control (Cc) and format (Cf) characters: NUL, bidi overrides such as U+202E, zero-width spaces,
// soft hyphens, BOM. ZWJ (U+200D) stays: emoji sequences such as 👨‍👩‍👧 need it.
const CONTROL_OR_FORMAT = /(?![\u200D])[\p{Cc}\p{Cf}]/u;
// What draws nothing: whitespace, marks on their own (variation selectors are Mn), ZWJ, and the
// blank letters often used for "empty" names (Hangul fillers, the blank Braille pattern).
// biome-ignore lint/suspicious/noMisleadingCharacterClass: each code point is tested on its own (a lone ZWJ draws nothing)
const INVISIBLE = /[\p{White_Space}\p{M}\u200D\u115F\u1160\u3164\uFFA0\u2800]/u;

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;

/** Lone surrogates make a string that is not Unicode text: refused in every field, message bodies included. */
export const noLoneSurrogates = (s: string) => !LONE_SURROGATE.test(s);
export const LONE_SURROGATE_MESSAGE = "contains a broken character (a lone UTF-16 surrogate); send valid Unicode text";

/**
 * A display name or label of at most `max` characters: normalised to NFC and trimmed; lone
 * surrogates, control and format characters (except ZWJ) refused; at least one visible
 * character required. `allowEmpty` lets "" through for fields where empty means "clear it".
 */
export function displayText(max: number, label: string, opts: { allowEmpty?: boolean } = {}) {
  return z
    .string()
    .check((ctx) => {
      if (!noLoneSurrogates(ctx.value)) void ctx.issues.push({ code: "custom", message: `${label} ${LONE_SURROGATE_MESSAGE}`, input: ctx.value });
    })
    .transform((s) => s.normalize("NFC").trim())
    .pipe(
      z.string().check((ctx) => {
        const s = ctx.value;
        const issue = (message: string) => void ctx.issues.push({ code: "custom", message, input: s });
        const bad = s.match(CONTROL_OR_FORMAT)?.[0];
        if (bad !== undefined) return issue(`${label} cannot contain control or invisible formatting characters (${codePoint(bad)})`);
        if (s.length === 0) return opts.allowEmpty ? undefined : issue(`${label} cannot be empty`);
        if ([...s].every((c) => INVISIBLE.test(c))) return issue(`${label} needs at least one visible character`);
        if (s.length > max) issue(`${label} must be at most ${max} characters`);
      }),
    );
}
