import { findPii, type FindPiiOptions, type PiiKind } from "../../src/guard-rails/pii";

/** The texts of the findings of one kind in `text` (only that kind is looked for). */
export const found = (kind: PiiKind, text: string, options: Omit<FindPiiOptions, "detect"> = {}): string[] =>
  findPii(text, { ...options, detect: [kind] }).map((f) => f.text);
