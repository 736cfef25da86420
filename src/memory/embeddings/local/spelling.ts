/**
 * Folds British spellings onto American ones before stemming, so "utilisation" meets "utilization" and
 * "behaviour" meets "behavior". Both sides of a comparison pass through here, so a fold that produces
 * a non-word ("promise" → "promize") is harmless: it is the same non-word on both sides. Each rule looks
 * only at the part of the word before the varying ending, so every inflection of a word folds alike
 * ("rise" and "rising" are both left alone; "organise" and "organising" both fold).
 */
export function americanise(word: string): string {
  const ise = ISE.exec(word);
  if (ise) return word.slice(0, ise.index) + "iz" + (ise[1] ?? "");
  const our = OUR.exec(word);
  if (our) return word.slice(0, our.index) + "or" + (our[1] ?? "");
  return word;
}

// organise, organised, organises, organising, organiser(s), organisation(s): at least four letters before "is".
const ISE = /(?<=^[a-z]{4,})is(e|ed|es|ing|er|ers|ation|ations)$/;
// colour(s), behaviour(s), labour(s): at least three letters before "our", so "hour" and "your" stay.
const OUR = /(?<=^[a-z]{3,})our(s?)$/;
