// Message search's text rules, shared by the index writer, the query and the snippet (pure, no
// storage). SQLite's unicode61 tokenizer keeps a run of Chinese characters as one token, and
// the trigram tokenizer needs three characters; so CJK runs are written as overlapping bigrams
// plus the run's last character ("明天开会" → "明天 天开 开会 会"). A 2-character query is then
// one token, a 1-character one a token prefix, a longer one a phrase of bigrams; other words
// stay words (unicode61 folds case and accents) and match by prefix. See docs/search.md.
import type { MessageType } from "../../schema/protocol";

const HAN = String.raw`\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}`;
const CJK = new RegExp(`[${HAN}]`, "u");
// A CJK run, or a run of other letters and digits.
const SEGMENT = new RegExp(`[${HAN}]+|(?:(?![${HAN}])[\\p{L}\\p{N}\\p{M}])+`, "gu");

/** The searchable text of a message (null: nothing to index). */
export function searchableText(type: MessageType, body: Record<string, unknown> | null): string | null {
  if (body === null) return null;
  const s = (k: string) => (typeof body[k] === "string" ? (body[k] as string) : "");
  switch (type) {
    case "text":
      return s("text");
    case "file":
      return s("name");
    case "location":
      return `${s("name")} ${s("address")}`.trim() || null;
    case "card":
      return s("nickname") || null;
    default:
      return null;
  }
}

function segments(text: string): string[] {
  return text.normalize("NFKC").toLowerCase().match(SEGMENT) ?? [];
}

function bigrams(run: string): string[] {
  const chars = [...run];
  if (chars.length === 1) return chars;
  return chars.slice(1).map((c, i) => chars[i] + c);
}

/** What the index stores for `text`. */
export function indexTerms(text: string): string {
  return segments(text)
    .map((seg) => {
      const chars = [...seg];
      return CJK.test(seg) && chars.length > 1 ? [...bigrams(seg), chars.at(-1)].join(" ") : seg;
    })
    .join(" ");
}

/** The FTS5 MATCH expression for a query, or null when it has nothing to look for. */
export function matchExpression(query: string): string | null {
  const parts = segments(query).map((seg) => {
    if (!CJK.test(seg)) return `"${seg}"*`;
    const chars = [...seg];
    return chars.length === 1 ? `"${seg}"*` : `"${bigrams(seg).join(" ")}"`;
  });
  return parts.length ? parts.join(" AND ") : null;
}

/** Folds a string as the index does (case, accents, width), keeping where each folded char came from. */
function fold(text: string): { folded: string; from: number[] } {
  let folded = "";
  const from: number[] = [];
  let i = 0;
  for (const ch of text) {
    const f = ch.normalize("NFKD").replace(/\p{M}/gu, "").normalize("NFKC").toLowerCase();
    for (let k = 0; k < f.length; k++) from.push(i);
    folded += f;
    i += ch.length;
  }
  from.push(text.length);
  return { folded, from };
}

export interface Snippet {
  snippet: string;
  /** [start, end) ranges of `snippet` (UTF-16 offsets) that matched the query. */
  highlights: [number, number][];
}

/** A short piece of `text` around the first match, with every match in it marked. */
export function snippetOf(text: string, query: string, width = 60): Snippet {
  const flat = text.replace(/\s+/g, " ");
  const { folded, from } = fold(flat);
  const needles = [...new Set(segments(query).map((s) => fold(s).folded))].filter(Boolean);
  const ranges: [number, number][] = [];
  for (const n of needles) {
    for (let at = folded.indexOf(n); at >= 0; at = folded.indexOf(n, at + n.length)) ranges.push([from[at]!, from[at + n.length]!]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const first = ranges[0]?.[0] ?? 0;
  const start = Math.max(0, Math.min(first - Math.floor(width / 4), flat.length - width));
  const end = Math.min(flat.length, start + width);
  const lead = start > 0 ? "…" : "";
  const snippet = lead + flat.slice(start, end) + (end < flat.length ? "…" : "");
  const highlights = ranges.filter(([a, b]) => a >= start && b <= end).map(([a, b]): [number, number] => [a - start + lead.length, b - start + lead.length]);
  return { snippet, highlights };
}
