/**
 * What a lifecycle trigger decided (src/lifecycle/decisions.ts), apart from the code that stores it so
 * that the API's schemas, and the client that reads their types, need none of it.
 */
export const DECISION_KINDS = ["fired", "skipped", "deduplicated", "failed"] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];
