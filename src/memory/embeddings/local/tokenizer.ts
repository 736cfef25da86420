/**
 * Text to words for the local embedder: lowercase, Unicode NFKD with the combining marks dropped (so
 * "Café" and "cafe" are one word), split on anything that is not a letter or a digit.
 */
export function normaliseText(text: string): string {
  return text.normalize("NFKD").replace(COMBINING_MARKS, "").toLowerCase();
}

const COMBINING_MARKS = /\p{M}+/gu;
// "client's" is about the client: the possessive goes before splitting, other apostrophes join ("don't").
const POSSESSIVE = /(?<=[\p{L}\p{N}])['’]s\b/gu;
const APOSTROPHE = /(?<=[\p{L}\p{N}])['’](?=[\p{L}\p{N}])/gu;
const WORD = /[\p{L}\p{N}]+/gu;

/** The words of already normalised text, in order. */
export function tokenize(normalised: string): string[] {
  return normalised.replace(POSSESSIVE, "").replace(APOSTROPHE, "").match(WORD) ?? [];
}
