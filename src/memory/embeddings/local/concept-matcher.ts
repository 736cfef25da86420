import { CONCEPT_TABLE } from "./concept-table";
import { type Term, termsOf } from "./terms";

interface Phrase {
  keys: string[];
  concept: string;
}

/** Every concept of the table, in table order: a concept's position is its dimension in the local embedding. */
export const CONCEPTS: readonly string[] = Object.keys(CONCEPT_TABLE);

/** Phrases by the key of their first word, compiled once from the table with the same normalisation as texts. */
const PHRASES_BY_FIRST_KEY: ReadonlyMap<string, readonly Phrase[]> = compile(CONCEPT_TABLE);

function compile(table: Readonly<Record<string, string>>): Map<string, Phrase[]> {
  const byFirst = new Map<string, Phrase[]>();
  const seen = new Set<string>();
  for (const [concept, list] of Object.entries(table)) {
    for (const entry of list.split(",")) {
      // "_when" names the stop word itself; everything else is written as a reader would.
      const keys = entry.trim().startsWith("_") ? [entry.trim()] : termsOf(entry).map((t) => t.key);
      const first = keys[0];
      const id = `${concept}|${keys.join(" ")}`;
      if (first === undefined || seen.has(id)) continue;
      seen.add(id);
      const phrases = byFirst.get(first) ?? [];
      phrases.push({ keys, concept });
      byFirst.set(first, phrases);
    }
  }
  // Longest first, so a concept said by a long phrase covers all of it.
  for (const phrases of byFirst.values()) phrases.sort((a, b) => b.keys.length - a.keys.length);
  return byFirst;
}

// "win a new customer" still says "win new": a phrase may step over this many stop words.
const MAX_SKIPPED_STOP_WORDS = 2;

/** Where the phrase ends (exclusive) when it is said at `start`, else -1. */
function phraseEnd(terms: readonly Term[], start: number, keys: readonly string[]): number {
  let j = start;
  let skipped = 0;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    if (k > 0) {
      while (j < terms.length && terms[j]!.stop && terms[j]!.key !== key && skipped < MAX_SKIPPED_STOP_WORDS) {
        j++;
        skipped++;
      }
    }
    if (j >= terms.length || terms[j]!.key !== key) return -1;
    j++;
  }
  return j;
}

/** A concept a text expresses, with how much of one word's worth of evidence it carries. */
export interface ConceptMention {
  concept: string;
  weight: number;
}

/**
 * Every concept the terms express, once per occurrence, in text order. A word that belongs to several
 * concepts ("users": a customer, a person, a seat) is weaker evidence for each, so the concepts said at
 * one position share its weight (1/√n each, keeping the position's total length at one).
 */
export function conceptsOf(terms: readonly Term[]): ConceptMention[] {
  const found: ConceptMention[] = [];
  // "annual recurring revenue" says revenue once, not again at "recurring revenue" and "revenue".
  const coveredUntil = new Map<string, number>();
  for (let i = 0; i < terms.length; i++) {
    const phrases = PHRASES_BY_FIRST_KEY.get(terms[i]!.key);
    if (!phrases) continue;
    const here: string[] = [];
    for (const phrase of phrases) {
      if ((coveredUntil.get(phrase.concept) ?? 0) > i) continue;
      const end = phraseEnd(terms, i, phrase.keys);
      if (end < 0) continue;
      coveredUntil.set(phrase.concept, end);
      here.push(phrase.concept);
    }
    const weight = 1 / Math.sqrt(here.length);
    for (const concept of here) found.push({ concept, weight });
  }
  return found;
}
