/**
 * Turns a question into an FTS5 query: its content words, each quoted (so user text can never be FTS
 * syntax), OR-ed together so BM25 ranks by how many and how rare the matching words are.
 */
const STOP_WORDS = new Set(
  ("a an and are as at be been being but by can could did do does for from had has have how i if in into is it its " +
    "me my no not of on or our should so than that the their them then there these they this those to was we were " +
    "what when where which while who whom why will with would you your").split(" "),
);

export function keywordQuery(text: string): string | undefined {
  const words = text.toLowerCase().normalize("NFKC").match(/[\p{L}\p{N}]+/gu) ?? [];
  const content = words.filter((w) => !STOP_WORDS.has(w));
  const chosen = [...new Set(content.length ? content : words)].slice(0, 32);
  return chosen.length ? chosen.map((w) => `"${w}"`).join(" OR ") : undefined;
}
