import { Environment } from "@marcbachmann/cel-js";

/**
 * Policy conditions in CEL. An expression sees `subject` (agent_id, role, attributes), `resource`
 * (type, id), `action` and `context` (now, a timestamp; request_id). Each distinct text is parsed and
 * type-checked once per isolate and kept; evaluation then walks the checked tree only.
 */
class CelSubject {
  agent_id: string;
  role: string;
  attributes: Record<string, unknown>;
  constructor(agentId: string, role: string, attributes: Record<string, unknown>) {
    this.agent_id = agentId;
    this.role = role;
    this.attributes = attributes;
  }
}
class CelResource {
  type: string;
  id: string;
  constructor(type: string, id: string) {
    this.type = type;
    this.id = id;
  }
}
class CelContext {
  now: Date;
  request_id: string;
  constructor(now: Date, requestId: string) {
    this.now = now;
    this.request_id = requestId;
  }
}

/** Generous for a policy, small enough that no condition is costly to check or run. */
export const MAX_CONDITION_LENGTH = 4096;

/** Bounds on every CEL text Switchyard compiles (policy conditions, event filters): none is costly to check or run. */
export const CEL_LIMITS = { maxAstNodes: 1000, maxDepth: 32, maxListElements: 256, maxMapEntries: 256 } as const;

const environment = new Environment({ limits: CEL_LIMITS })
  .registerType("Subject", { ctor: CelSubject, fields: { agent_id: "string", role: "string", attributes: "map<string, dyn>" } })
  .registerType("Resource", { ctor: CelResource, fields: { type: "string", id: "string" } })
  // The timestamp type by its full name: the short `timestamp` here does not unify with `timestamp("…")`.
  .registerType("Context", { ctor: CelContext, fields: { now: "google.protobuf.Timestamp", request_id: "string" } })
  .registerVariable("subject", "Subject")
  .registerVariable("resource", "Resource")
  .registerVariable("action", "string")
  .registerVariable("context", "Context");

/** What a condition is evaluated against. */
export interface ConditionInput {
  subject: { agent_id: string; role: string; attributes: Record<string, unknown> };
  resource: { type: string; id: string };
  action: string;
  context: { now: Date; request_id: string };
}

/** The CEL activation for one decision; built once, shared by every condition the decision runs. */
export type Activation = Record<string, unknown>;

export function activation(input: ConditionInput): Activation {
  const { subject, resource, context } = input;
  return {
    subject: new CelSubject(subject.agent_id, subject.role, subject.attributes),
    resource: new CelResource(resource.type, resource.id),
    action: input.action,
    context: new CelContext(context.now, context.request_id),
  };
}

/** `true`/`false`, or the evaluation error's message (a missing attribute, a wrong type at run time, …). */
export type ConditionOutcome = boolean | { error: string };
export type CompiledCondition = (activation: Activation) => ConditionOutcome;

export type ConditionCompilation = { ok: true; condition: CompiledCondition } | { ok: false; message: string };

const cache = new Map<string, ConditionCompilation>();
const CACHE_LIMIT = 10_000;

/** Parses and type-checks a condition (cached by its text); the message of a failure says where. */
export function compileCondition(text: string): ConditionCompilation {
  const known = cache.get(text);
  if (known) return known;
  const compiled = compile(text);
  if (cache.size >= CACHE_LIMIT) cache.clear(); // far past any real policy set: start over rather than grow
  cache.set(text, compiled);
  return compiled;
}

function compile(text: string): ConditionCompilation {
  if (text.length > MAX_CONDITION_LENGTH) return { ok: false, message: `is longer than ${MAX_CONDITION_LENGTH} characters` };
  let parsed: ReturnType<Environment["parse"]>;
  try {
    parsed = environment.parse(text);
  } catch (err) {
    return { ok: false, message: `does not parse: ${describeCelError(err, text)}` };
  }
  const checked = parsed.check();
  if (!checked.valid) return { ok: false, message: `does not type-check: ${describeCelError(checked.error, text)}` };
  if (checked.type !== "bool" && checked.type !== "dyn") return { ok: false, message: `must be a bool expression, not ${checked.type}` };
  const condition: CompiledCondition = (act) => {
    try {
      const value: unknown = parsed(act);
      return typeof value === "boolean" ? value : { error: `the condition gave ${typeof value}, not a bool` };
    } catch (err) {
      return { error: firstLine(err) };
    }
  };
  return { ok: true, condition };
}

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0]!.trim();

/** The error's first line plus the column it points at (1-based), e.g. "Unexpected token: EOF (at column 4)". */
export function describeCelError(err: unknown, text: string): string {
  const position = errorPosition(err);
  const where = position === undefined ? "" : ` (at column ${Math.min(position, text.length) + 1})`;
  return `${firstLine(err)}${where}`;
}

function errorPosition(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { range?: { start?: unknown }; node?: { pos?: unknown } };
  const at = e.range?.start ?? e.node?.pos;
  return typeof at === "number" ? at : undefined;
}
