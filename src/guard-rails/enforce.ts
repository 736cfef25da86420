import { type JsonPiiFinding, type PiiKind, scanJson } from "./pii";
import type { GuardRailRule, GuardRails } from "./rules";

/**
 * The one enforcement point: every value an agent writes, on every path (memories, agent state, inbox
 * messages, branch rows and SQL writes, run inputs, task outputs, run messages and run state), goes through
 * `enforce` with the rules that cover it. Pure: it decides, the caller records and answers. Nothing it
 * returns carries the PII it found (a finding's text stays in here): paths have keys that carry PII
 * redacted, and kinds name what was found, never what it said.
 */

/** One rule a value broke: safe to log, audit, answer and store. */
export interface GuardFinding {
  rule: GuardRailRule;
  /** Where in the request: `content`, `metadata.owner`, `rows[3].email`, `body`. */
  path: string;
  /** The PII kind, for `pii` findings; null for limits. */
  kind: PiiKind | null;
  /** What the rule did: `redact` stored the value with the finding replaced, `reject` refused the write. */
  mode: "redact" | "reject";
  /** For limits: the limit and the measured size. */
  limit?: number;
  size_bytes?: number;
  /** For `max_tokens_per_task`: the completion's `tokens_in + tokens_out`. */
  tokens?: number;
}

export interface GuardContext {
  /** The name of the value in its request, the root of every path reported (`value`, `body`, `output`). */
  at: string;
  /** Whether `max_message_bytes` applies: run messages, task inputs and inbox messages. */
  message?: boolean;
}

export type Enforcement<T> =
  /** `value` is what to store: the input itself, or its redaction. `findings` lists what was redacted. */
  | { ok: true; value: T; findings: GuardFinding[] }
  /** The write must be refused; `refusal` is the first finding that refuses it, `findings` all of them. */
  | { ok: false; refusal: GuardFinding; findings: GuardFinding[] };

const NONE: GuardFinding[] = [];
const encoder = new TextEncoder();

/** The UTF-8 bytes of a value's JSON text, as run and inbox messages are measured. */
export const jsonBytes = (value: unknown): number => encoder.encode(JSON.stringify(value) ?? "null").byteLength;

/** `$.a[2]` under `body` → `body.a[2]`; `$` alone → `body`. */
const pathUnder = (at: string, jsonPath: string) => at + jsonPath.slice(1);

/** One finding per path and kind: a string with three addresses in it is one place to fix. */
function piiFindings(found: readonly JsonPiiFinding[], at: string, mode: "redact" | "reject"): GuardFinding[] {
  const seen = new Set<string>();
  const out: GuardFinding[] = [];
  for (const f of found) {
    const path = pathUnder(at, f.path);
    const key = `${f.kind} ${path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ rule: "pii", path, kind: f.kind, mode });
  }
  return out;
}

/** Applies `rules` to one value an agent writes. With no rule that concerns it, costs a property read or two. */
export function enforce<T>(value: T, rules: GuardRails, context: GuardContext): Enforcement<T> {
  const limit = context.message ? rules.max_message_bytes : undefined;
  if (rules.pii === undefined && limit === undefined) return { ok: true, value, findings: NONE };
  let stored = value;
  let findings = NONE;
  if (rules.pii !== undefined) {
    const { mode, detect } = rules.pii;
    const scanned = scanJson(value, { detect, mode });
    if (scanned.findings.length > 0) {
      findings = piiFindings(scanned.findings, context.at, mode);
      if (mode === "reject") return { ok: false, refusal: findings[0]!, findings };
      stored = scanned.value;
    }
  }
  if (limit !== undefined) {
    // Measured as stored (after any redaction): that is what travels and what the limit protects.
    const size = jsonBytes(stored);
    if (size > limit) {
      const refusal: GuardFinding = { rule: "max_message_bytes", path: context.at, kind: null, mode: "reject", limit, size_bytes: size };
      return { ok: false, refusal, findings: [...findings, refusal] };
    }
  }
  return { ok: true, value: stored, findings };
}

/** Several values of one write (a memory's content and metadata; a batch): all pass, or the first refusal. */
export function enforceAll<T>(parts: readonly { value: T; context: GuardContext }[], rules: GuardRails): Enforcement<T[]> {
  const values: T[] = [];
  const findings: GuardFinding[] = [];
  for (const part of parts) {
    const result = enforce(part.value, rules, part.context);
    findings.push(...result.findings);
    if (!result.ok) return { ok: false, refusal: result.refusal, findings };
    values.push(result.value);
  }
  return { ok: true, value: values, findings };
}

/** A limit a run or a request broke, as a finding (limits always refuse). */
export const limitFinding = (rule: Exclude<GuardRailRule, "pii">, path: string, limit: number, size?: number): GuardFinding => ({
  rule,
  path,
  kind: null,
  mode: "reject",
  limit,
  ...(size === undefined ? {} : { size_bytes: size }),
});

/**
 * What a refusal says, without the PII: which rule, where, and what to do. `what` names the value in the
 * caller's words ("the memory", "the task's output").
 */
export function refusalMessage(finding: GuardFinding, what: string): string {
  if (finding.rule === "pii")
    return `${what} carries ${finding.kind === null ? "PII" : KIND_NAMES[finding.kind]} at ${finding.path}, and the guard rails reject ${finding.kind} (pii, mode reject): remove it and write again.`;
  if (finding.rule === "max_tokens_per_task")
    return `${what} reports ${finding.tokens} tokens (usage.tokens_in + tokens_out); the guard rails allow at most ${finding.limit} per task (max_tokens_per_task).`;
  if (finding.rule === "max_message_bytes")
    return `${what} is ${finding.size_bytes} bytes of JSON at ${finding.path}; the guard rails allow at most ${finding.limit} (max_message_bytes).`;
  return `${what} breaks the guard rail ${finding.rule} (limit ${finding.limit}).`;
}

const KIND_NAMES: Readonly<Record<PiiKind, string>> = {
  email: "an email address",
  phone: "a phone number",
  credit_card: "a payment card number",
  ssn: "a US Social Security number",
  ip_address: "an IP address",
};

/** The `details` of a 422 `guard_rail`: the rule, where, the kind or the limit; never the PII. */
export function refusalDetails(finding: GuardFinding): Record<string, string | number | null> {
  return {
    rule: finding.rule,
    path: finding.path,
    kind: finding.kind,
    mode: finding.mode,
    ...(finding.limit === undefined ? {} : { limit: finding.limit }),
    ...(finding.size_bytes === undefined ? {} : { size_bytes: finding.size_bytes }),
    ...(finding.tokens === undefined ? {} : { tokens: finding.tokens }),
  };
}
