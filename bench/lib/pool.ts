/** Runs `task(i)` for i in [from, to) with a bounded number in flight, until done or the deadline passes. */
export type PoolResult = { done: number; failed: number; firstError?: string; seconds: number; stoppedByDeadline: boolean };

export async function runPool(
  from: number,
  to: number,
  concurrency: number,
  deadline: number,
  task: (i: number) => Promise<void>,
  progress?: (done: number, seconds: number) => void,
  maxFailures = 50,
): Promise<PoolResult> {
  const started = Date.now();
  let next = from;
  let done = 0;
  let failed = 0;
  let firstError: string | undefined;
  let stoppedByDeadline = false;
  let lastReport = started;

  const worker = async () => {
    while (next < to) {
      if (Date.now() > deadline) {
        stoppedByDeadline = true;
        return;
      }
      if (failed > maxFailures) return;
      const i = next++;
      try {
        await task(i);
        done++;
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
      if (progress && Date.now() - lastReport >= 5000) {
        lastReport = Date.now();
        progress(done, (lastReport - started) / 1000);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  if (failed > maxFailures) throw new Error(`more than ${maxFailures} requests failed; first: ${firstError}`);
  return { done, failed, firstError, seconds: (Date.now() - started) / 1000, stoppedByDeadline };
}
