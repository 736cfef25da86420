import { stem } from "./porter-stemmer";
import { americanise } from "./spelling";
import { STOP_WORDS } from "./stop-words";
import { normaliseText, tokenize } from "./tokenizer";

/** One word of a text as the local embedder sees it. */
export interface Term {
  /** The normalised word as written ("deployments"). */
  word: string;
  /** What it is compared by: its stem ("deploy"), or for a stop word the word itself marked with "_" ("_when"). */
  key: string;
  stop: boolean;
}

// Symbols that carry meaning in business text become words: "42%" → "42 percent", "$49" → "usd 49".
const SYMBOLS: ReadonlyArray<readonly [RegExp, string]> = [
  [/%/g, " percent "],
  [/\$/g, " usd "],
  [/€/g, " eur "],
  [/£/g, " gbp "],
  [/&/g, " and "],
];

// Stemming is the slowest step and business text repeats its words, so stems are remembered.
const STEM_CACHE_LIMIT = 50_000;
const stemCache = new Map<string, string>();

function cachedStem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    if (stemCache.size >= STEM_CACHE_LIMIT) stemCache.clear();
    s = stem(americanise(word));
    stemCache.set(word, s);
  }
  return s;
}

/** The words of `text`, normalised, with their comparison keys, in order. */
export function termsOf(text: string): Term[] {
  let normalised = normaliseText(text);
  for (const [symbol, word] of SYMBOLS) normalised = normalised.replace(symbol, word);
  return tokenize(normalised).map((word) => {
    const stop = STOP_WORDS.has(word);
    // A stop word keeps its own spelling, marked, so that "us" never meets the stem of "use".
    return { word, key: stop ? `_${word}` : cachedStem(word), stop };
  });
}
