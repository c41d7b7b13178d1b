// Small display helpers shared by pages.

/** The first character of a name, upper-cased, for an avatar placeholder. */
export function initialOf(name: string | null | undefined): string {
  const first = Array.from((name ?? "").trim())[0];
  return first ? first.toUpperCase() : "?";
}
