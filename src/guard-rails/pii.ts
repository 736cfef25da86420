/**
 * What the guard rails' enforcement point needs from PII detection, in one place: the `pii` rule's schema,
 * `scanJson` (one call per value an agent writes), the detector registry keyed by kind, and the types.
 * Rules and measured precision and recall: docs/guard-rails.md, "PII detectors".
 */
import { z } from "@hono/zod-openapi";
import { PII_KINDS } from "./pii/types";

export { PII_KINDS, type DetectContext, type PiiDetector, type PiiFinding, type PiiKind } from "./pii/types";
export { PII_DETECTORS, findPii, redactText, redactionOf, type FindPiiOptions } from "./pii/detectors";
export { DEFAULT_PHONE_REGIONS, isPhoneRegion } from "./pii/phone";
export { scanJson, type JsonPiiFinding, type PiiMode, type ScanJsonOptions, type ScanJsonResult } from "./scan-json";

/** A guard rail's `pii` block, as the contract writes it: `{detect: [kinds], mode: redact | reject}`. */
export const piiRuleSchema = z
  .object({
    detect: z.array(z.enum(PII_KINDS)).min(1).describe("The kinds of PII to look for in everything an agent writes."),
    mode: z.enum(["redact", "reject"]).describe("redact: replace each finding with [REDACTED:<kind>]; reject: refuse the write (422 guard_rail)."),
  })
  .strict();
export type PiiRule = z.infer<typeof piiRuleSchema>;
