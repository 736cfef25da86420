/** The contract's timestamp: ISO-8601 UTC with milliseconds, comparable as text. */
export const isoNow = (): string => new Date().toISOString();

export const isoAfterSeconds = (seconds: number, from = Date.now()): string =>
  new Date(from + seconds * 1000).toISOString();
