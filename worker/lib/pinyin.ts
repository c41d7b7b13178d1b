// Sort keys for names, so contacts are ordered and indexed as WeChat does it: Chinese by pinyin
// (张三 under Z, 曾 as a surname is zeng), Latin letters without case or accents, anything else
// under "#". pinyin-pro carries the dictionary (with surname readings); the keys are computed
// when a list is read and remembered per isolate, so a rename or a new remark is never stale.
import { pinyin } from "pinyin-pro";

const MAX_REMEMBERED = 10_000;
const remembered = new Map<string, string>();

/** "张三" → "zhang san", "Émile" → "emile"; lower case, words separated by one space. */
export function sortKeyOf(name: string): string {
  const trimmed = name.trim();
  const hit = remembered.get(trimmed);
  if (hit !== undefined) return hit;
  const words = trimmed ? pinyin(trimmed, { toneType: "none", type: "array", surname: "head", nonZh: "consecutive" }) : [];
  const key = words
    .map((w) =>
      w
        .normalize("NFD")
        .replace(/\p{M}+/gu, "")
        .toLowerCase()
        .trim(),
    )
    .filter(Boolean)
    .join(" ");
  if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value as string);
  remembered.set(trimmed, key);
  return key;
}

/** The index letter of a sort key: A–Z, or "#" for a name that starts with anything else. */
export function indexLetterOf(sortKey: string): string {
  const first = sortKey[0] ?? "";
  return first >= "a" && first <= "z" ? first.toUpperCase() : "#";
}

/** WeChat's order: A to Z by pinyin, "#" last, then by the name itself for equal keys. */
export function compareNames(a: { key: string; name: string }, b: { key: string; name: string }): number {
  const la = indexLetterOf(a.key);
  const lb = indexLetterOf(b.key);
  if (la !== lb) return la === "#" ? 1 : lb === "#" ? -1 : la < lb ? -1 : 1;
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
