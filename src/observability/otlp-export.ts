import { runObject } from "../runs/run-object";
import { toOtlp } from "./otlp";

// Export of finished runs' traces to the deployment's OpenTelemetry collector: `OTLP_ENDPOINT` (a var) and
// `OTLP_HEADERS` (a secret: `wrangler secret put OTLP_HEADERS`). The run's outbox puts a message on the
// deliveries queue when the run ends; the queue makes the HTTP call and retries it, so a collector that is
// slow or down never holds a run up. OTLP_HEADERS carries credentials: nothing here logs its values.

const ATTEMPT_TIMEOUT_MS = 10_000;
const TRACES_PATH = "/v1/traces";

type OtlpEnv = Pick<Env, "OTLP_ENDPOINT"> & { OTLP_HEADERS?: string };

/**
 * The collector's traces URL, or null when export is off. Like `OTEL_EXPORTER_OTLP_ENDPOINT`, the var is
 * the collector's base URL and `/v1/traces` is appended, unless it already ends so.
 */
export function otlpTracesUrl(env: OtlpEnv): string | null {
  const base = (env.OTLP_ENDPOINT ?? "").trim();
  if (base === "") return null;
  const url = new URL(base);
  if (!url.pathname.endsWith(TRACES_PATH)) url.pathname = `${url.pathname.replace(/\/+$/, "")}${TRACES_PATH}`;
  return url.toString();
}

/**
 * `OTLP_HEADERS` as headers: `Authorization=Bearer x,Other=y`, the format of `OTEL_EXPORTER_OTLP_HEADERS`
 * (values may be percent-encoded). An entry that is no `name=value` is skipped and named in `problems`, by
 * its position only.
 */
export function otlpHeaders(text: string | undefined): { headers: Record<string, string>; problems: string[] } {
  const headers: Record<string, string> = {};
  const problems: string[] = [];
  for (const [i, entry] of (text ?? "").split(",").entries()) {
    if (entry.trim() === "") continue;
    const at = entry.indexOf("=");
    const name = at < 0 ? "" : entry.slice(0, at).trim();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      problems.push(`entry ${i + 1} of OTLP_HEADERS is not name=value`);
      continue;
    }
    const raw = entry.slice(at + 1).trim();
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      // not percent-encoded after all (a lone %): the value is taken as written
    }
    headers[name] = value;
  }
  return { headers, problems };
}

export type ExportOutcome = { done: true; status: "exported" | "skipped" | "refused"; detail?: string } | { done: false; retryInSeconds: number; detail: string };

/** 5 s, 10 s, 20 s, … at most an hour. */
export const exportBackoffSeconds = (attempt: number) => Math.min(5 * 2 ** Math.max(0, attempt - 1), 3600);

const retryAfterSeconds = (res: Response): number | null => {
  const value = res.headers.get("retry-after");
  if (value === null) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
};

/**
 * One attempt to send a run's trace. 2xx: done. 429, 408, 5xx and network failures are retried (after
 * `Retry-After` when the collector sends one); any other 4xx means the collector will never take this
 * document, so it is given up, with the status in the log.
 */
export async function exportRunTrace(env: OtlpEnv & Pick<Env, "WORKFLOW_RUN">, runId: string, attempt: number): Promise<ExportOutcome> {
  const url = otlpTracesUrl(env);
  if (url === null) return { done: true, status: "skipped", detail: "OTLP_ENDPOINT is not set" };
  const trace = await runObject(env as Env, runId).runTrace();
  if (trace === null) return { done: true, status: "skipped", detail: `run ${runId} does not exist` };
  const { headers, problems } = otlpHeaders(env.OTLP_HEADERS);
  for (const problem of problems) console.warn(`otlp export: ${problem}; it was left out`);
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify(toOtlp(trace, Date.now())),
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
  } catch (error) {
    return { done: false, retryInSeconds: exportBackoffSeconds(attempt), detail: `the collector did not answer (${error instanceof Error ? error.name : "error"})` };
  }
  await res.body?.cancel();
  if (res.ok) return { done: true, status: "exported" };
  const detail = `the collector answered ${res.status}`;
  if (res.status === 429 || res.status === 408 || res.status >= 500) return { done: false, retryInSeconds: retryAfterSeconds(res) ?? exportBackoffSeconds(attempt), detail };
  return { done: true, status: "refused", detail };
}
