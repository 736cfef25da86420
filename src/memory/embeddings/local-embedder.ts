import { EMBEDDING_DIMENSIONS, type Embedder } from "./embedder";
import { CONCEPTS, conceptsOf } from "./local/concept-matcher";
import { addHashedFeature, hashFeature, normaliseInPlace } from "./local/feature-hash";
import { type Term, termsOf } from "./local/terms";

/** Shown in logs and the bench; bump the version when a change would move stored vectors. */
export const LOCAL_EMBEDDER_MODEL = "switchyard-local-hash-v1";

/**
 * How much each kind of feature counts, relative to a word stem. A concept counts a little more than a
 * word, so a paraphrase that shares only meaning still lands near; a word's character n-grams together
 * count half a word, so typos and inflections stemming misses still overlap; word pairs add a little for
 * phrases said the same way. Chosen on test/fixtures/retrieval-set.ts and a few held-out questions.
 */
export const LOCAL_FEATURE_WEIGHTS = { stem: 1, concept: 1.2, charGrams: 0.5, bigram: 0.3 } as const;

/**
 * Concepts are a closed set, so each has a dimension of its own: hashing them would let two concepts
 * collide and cancel, and they carry most of what makes a paraphrase match. Words, n-grams and pairs are
 * open-ended and share the remaining dimensions by hashing.
 */
const CONCEPT_DIMENSION: ReadonlyMap<string, number> = new Map(CONCEPTS.map((concept, i) => [`c:${concept}`, i]));
// A table that outgrew half the vector would leave words too few dimensions to tell them apart.
if (CONCEPTS.length > EMBEDDING_DIMENSIONS / 2) throw new Error(`The concept table has ${CONCEPTS.length} concepts; at most ${EMBEDDING_DIMENSIONS / 2} fit.`);

const GRAM_SIZES = [3, 4] as const;
const YEAR = /^(19|20)\d\d$/;
const HAS_DIGIT = /\d/;

/**
 * A deterministic embedder for development and tests: no network, no model download, the same vector for
 * the same text on every machine. Concepts from a built-in synonym table get a dimension each; stems,
 * character n-grams and word pairs are hashed with a sign into the rest; term frequency is sublinear and
 * the vector is scaled to unit length. It matches words and their paraphrases in the table, not meaning
 * in general: Workers AI is the embedder for production.
 */
export class LocalEmbedder implements Embedder {
  readonly model = LOCAL_EMBEDDER_MODEL;

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((text) => this.embedText(text));
  }

  /** The same as `embed([text])[0]`, synchronously. */
  embedText(text: string): Float32Array {
    const vector = new Float32Array(EMBEDDING_DIMENSIONS);
    for (const [name, { weight, count }] of featuresOf(text)) {
      // Sublinear term frequency: the mean weight of the feature's occurrences, times 1 + ln(count).
      const value = (weight / count) * (1 + Math.log(count));
      const concept = CONCEPT_DIMENSION.get(name);
      if (concept !== undefined) vector[concept]! += value;
      else addHashedFeature(vector, name, value, CONCEPTS.length);
    }
    if (!normaliseInPlace(vector)) {
      // Empty or punctuation only: still a unit vector (the contract promises one), the same for all such texts.
      vector[CONCEPTS.length + (hashFeature("empty") % (EMBEDDING_DIMENSIONS - CONCEPTS.length))] = 1;
    }
    return vector;
  }
}

interface Feature {
  /** The sum over occurrences. */
  weight: number;
  count: number;
}

/** The named, weighted features of a text, before they are placed in dimensions. */
function featuresOf(text: string): Map<string, Feature> {
  const features = new Map<string, Feature>();
  const add = (name: string, weight: number) => {
    const seen = features.get(name);
    if (seen) {
      seen.weight += weight;
      seen.count++;
    } else features.set(name, { weight, count: 1 });
  };

  const terms = termsOf(text);
  let content: Term[] = terms.filter((t) => !t.stop);
  // A text of stop words only ("Who are you?") still has something to say.
  if (content.length === 0) content = terms;

  for (let i = 0; i < content.length; i++) {
    const term = content[i]!;
    add(`w:${term.key}`, LOCAL_FEATURE_WEIGHTS.stem);
    if (YEAR.test(term.word)) add("c:when", LOCAL_FEATURE_WEIGHTS.concept);
    addCharGrams(term.word, add);
    const next = content[i + 1];
    if (next) add(`b:${term.key} ${next.key}`, LOCAL_FEATURE_WEIGHTS.bigram);
  }
  for (const { concept, weight } of conceptsOf(terms)) add(`c:${concept}`, LOCAL_FEATURE_WEIGHTS.concept * weight);
  return features;
}

/** Character 3- and 4-grams of the word with boundary markers, together weighing LOCAL_FEATURE_WEIGHTS.charGrams. */
function addCharGrams(word: string, add: (name: string, weight: number) => void): void {
  // Numbers and codes ("2024", "q3", "v2") share n-grams by accident, not by meaning.
  if (word.length < 3 || HAS_DIGIT.test(word)) return;
  const marked = `<${word}>`;
  let total = 0;
  for (const n of GRAM_SIZES) total += Math.max(0, marked.length - n + 1);
  // Each gram gets weight/√total, so a word's grams together have about that weight whatever its length.
  const weight = LOCAL_FEATURE_WEIGHTS.charGrams / Math.sqrt(total);
  for (const n of GRAM_SIZES) {
    for (let i = 0; i + n <= marked.length; i++) add(`g:${marked.slice(i, i + n)}`, weight);
  }
}
