// The local word list: two dictionaries (refuse, review) matched in one pass each with
// Aho–Corasick (modern-ahocorasick), so a long list costs no more per message than a short one.
// Text and words are compared after NFKC and lower-casing, with spaces and common separators
// removed, so "Ｓ ｐ-a m" matches "spam". Built once per isolate per configured list.
import AhoCorasick from "modern-ahocorasick";

export type LocalSuggest = "pass" | "review" | "risky";
export interface LocalVerdict {
  suggest: LocalSuggest;
  /** The first listed word found (for the moderation queue), "" on pass. */
  word: string;
}

const SEPARATORS = /[\s\u3000._\-*·•|/\\~^'"`]+/gu;

/** The form both the words and the text are matched in. */
export const normalise = (text: string) => text.normalize("NFKC").toLowerCase().replace(SEPARATORS, "");

/** Words from a configured list: one per line or comma (either kind of comma), blanks ignored. */
export const parseWords = (list: string | undefined): string[] => [
  ...new Set(
    (list ?? "")
      .split(/[\n,，]/)
      .map(normalise)
      .filter((w) => w.length > 0),
  ),
];

export class WordList {
  private readonly risky: AhoCorasick | null;
  private readonly review: AhoCorasick | null;
  constructor(riskyWords: string[], reviewWords: string[]) {
    this.risky = riskyWords.length ? new AhoCorasick(riskyWords) : null;
    this.review = reviewWords.length ? new AhoCorasick(reviewWords) : null;
  }

  check(text: string): LocalVerdict {
    const t = normalise(text);
    const risky = this.risky?.findFirst(t);
    if (risky) return { suggest: "risky", word: risky.pattern };
    const review = this.review?.findFirst(t);
    if (review) return { suggest: "review", word: review.pattern };
    return { suggest: "pass", word: "" };
  }
}

let cached: { key: string; list: WordList } | null = null;

/** The list for this configuration (rebuilt only when the configured words change). */
export function wordList(riskyList: string | undefined, reviewList: string | undefined): WordList {
  const key = `${riskyList ?? ""}\u0000${reviewList ?? ""}`;
  if (cached?.key !== key) cached = { key, list: new WordList(parseWords(riskyList), parseWords(reviewList)) };
  return cached.list;
}
