/**
 * Globs over names, as policies write them: `*` stands for any run of characters (none included) and
 * every other character stands for itself. Names never contain `*` (see NAME_PATTERN), so a pattern
 * without one is an exact name. Compiled once per policy set into plain string tests (no RegExp: a
 * pattern is user input, and these run on every decision).
 */
export type NameMatcher = (name: string) => boolean;

export const isGlob = (pattern: string): boolean => pattern.includes("*");

const always: NameMatcher = () => true;

export function globMatcher(pattern: string): NameMatcher {
  if (!isGlob(pattern)) return (name) => name === pattern;
  const parts = pattern.split("*");
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  const middle = parts.slice(1, -1).filter((p) => p.length > 0);
  const minLength = parts.reduce((n, p) => n + p.length, 0);
  if (minLength === 0) return always;
  return (name) => {
    if (name.length < minLength || !name.startsWith(first) || !name.endsWith(last)) return false;
    // Leftmost matches of the middle parts are the best choice for `*`-only globs: they leave the most room.
    let at = first.length;
    const end = name.length - last.length;
    for (const part of middle) {
      const found = name.indexOf(part, at);
      if (found < 0 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
}
