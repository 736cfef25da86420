// When and how long to wait before sending a request again.

/** First wait; each retry doubles it, up to MAX_BACKOFF_MS. Jitter keeps many agents from retrying in step. */
const BASE_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8_000;
/** A server that asks for a longer pause than this gets its error passed to the caller instead. */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * 429 and 503 mean the server refused the request before doing anything, so any request may be sent
 * again. So does a 409 with `Retry-After`: the server's answer while the first request with the same
 * Idempotency-Key is still being carried out. Every other status is an answer to keep.
 */
export const isRetryable = (status: number, headers: Headers) =>
  status === 429 || status === 503 || (status === 409 && headers.has("retry-after"));

/** The wait before retry number `attempt` (0 for the first retry): exponential, with jitter in [½, 1]. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempt);
  return Math.round(ceiling * (0.5 + random() / 2));
}

/** `Retry-After` in milliseconds (seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
