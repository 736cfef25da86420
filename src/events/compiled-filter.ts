import type { Json } from "../workflows/definition/types";
import { type FieldRead, type FilterPlan, type FilterSchema, TYPE_VARIABLE, analyseFilter, filterEnvironment, translate } from "./filter-analysis";

// A filter ready to run on events: analysed against its event type's schema as it is now, rewritten,
// compiled once. Running it never throws: a filter that fails on an event (a missing field, a type error)
// is a non-match with its reason, and what the filter saw of the event is kept with the decision.

/** An event as filters see it. */
export interface FilterEvent {
  event_id: string;
  type: string;
  source: string | null;
  data: Json;
  time: string;
}

export interface FilterOutcome {
  matched: boolean;
  /** Why, in a sentence. */
  reason: string;
  /** The values of the fields the filter reads, as this event had them (absent fields are left out). */
  saw: Record<string, Json>;
}

export interface CompiledFilter {
  text: string;
  run(event: FilterEvent): FilterOutcome;
}

const MAX_SAW_CHARS = 2000;

const own = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);
const isRecord = (v: unknown): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

function valueAt(data: Json, path: readonly string[]): Json | undefined {
  let at: Json | undefined = data;
  for (const key of path) {
    if (!isRecord(at) || !own(at, key)) return undefined;
    at = at[key];
  }
  return at;
}

/** `data`'s own field of that name, else the envelope's (`type`, `source`, `event_id`): the contract's rule. */
function envelopeValue(event: FilterEvent, field: string): Json | undefined {
  if (field === "event") return undefined;
  if ((field === "type" || field === "source" || field === "event_id") && isRecord(event.data) && own(event.data, field)) return event.data[field];
  if (field === "type" || field === "event.type") return event.type;
  if (field === "source" || field === "event.source") return event.source;
  if (field === "event_id" || field === "event.event_id") return event.event_id;
  if (field === "event.time") return event.time;
  if (field === "event.data") return event.data;
  return undefined;
}

/** What the filter saw: each field it reads, as this event has it; big values are cut to a preview. */
function sawOf(reads: readonly FieldRead[], event: FilterEvent): Record<string, Json> {
  const saw: Record<string, Json> = {};
  for (const read of reads) {
    const value = read.kind === "data" ? valueAt(event.data, read.path) : read.label.startsWith("event.") ? envelopeValue(event, read.label) : envelopeValue(event, read.field);
    if (value === undefined || read.label === "event") continue;
    const text = JSON.stringify(value);
    saw[read.label] = text.length > MAX_SAW_CHARS ? `${text.slice(0, MAX_SAW_CHARS)}…` : value;
  }
  return saw;
}

/** The CEL variables of one event: its data's fields, the envelope's where data has none of that name, and `event`. */
function activation(event: FilterEvent): Map<string, unknown> {
  const vars = new Map<string, unknown>();
  if (isRecord(event.data)) for (const key of Object.keys(event.data)) vars.set(key, event.data[key]);
  for (const [name, value] of [
    ["type", event.type],
    ["source", event.source],
    ["event_id", event.event_id],
  ] as const)
    if (!vars.has(name)) vars.set(name, value);
  vars.set(TYPE_VARIABLE, vars.get("type"));
  vars.set("event", { event_id: event.event_id, type: event.type, source: event.source, data: event.data, time: event.time });
  return vars;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0]!.trim();
}

/** Compiles a filter against its event type's schema as it is now; `null` text is the filter that matches everything. */
export function compileFilter(text: string | null, registered: FilterSchema | null, eventType: string): CompiledFilter {
  if (text === null) return { text: "", run: () => ({ matched: true, reason: "no filter: every event of the type matches", saw: {} }) };
  const analysis = analyseFilter(text, registered, eventType);
  // A filter that fit the type when it was saved may not fit it now (the type changed since): it matches
  // nothing, and each decision says why, until the workflow is changed to fit.
  const broken = !analysis.ok ? analysis.message : analysis.plan.errors[0];
  if (broken !== undefined) {
    const reason = `the filter no longer fits event type '${eventType}' as registered now: it ${broken}`;
    return { text, run: (event) => ({ matched: false, reason, saw: analysis.ok ? sawOf(analysis.plan.reads, event) : {} }) };
  }
  const plan: FilterPlan = (analysis as { ok: true; plan: FilterPlan }).plan;
  const program = filterEnvironment.parse(plan.expression);
  const shown = `\`${text}\``;
  return {
    text,
    run(event) {
      const saw = sawOf(plan.reads, event);
      const vars = activation(event);
      for (const level of plan.levels) {
        const value = valueAt(event.data, level.path);
        if (value === undefined) return { matched: false, reason: `the filter ${shown} could not be evaluated: the event has no field \`${level.field}\``, saw };
        const rank = typeof value === "string" ? level.levels.indexOf(value) : -1;
        if (rank < 0)
          return { matched: false, reason: `the filter ${shown} could not be evaluated: \`${level.field}\` is ${JSON.stringify(value)}, not one of its levels (${level.levels.join(", ")})`, saw };
        vars.set(level.variable, BigInt(rank));
      }
      let value: unknown;
      try {
        value = program(vars);
      } catch (err) {
        const message = translate(firstLine(err), plan).replace(/^Unknown variable: (\S+)$/, "the event has no field `$1`");
        return { matched: false, reason: `the filter ${shown} could not be evaluated: ${message}`, saw };
      }
      if (typeof value !== "boolean") return { matched: false, reason: `the filter ${shown} gave ${typeof value === "bigint" ? "a number" : typeof value}, not true or false`, saw };
      return { matched: value, reason: value ? `the filter ${shown} holds` : `the filter ${shown} is false`, saw };
    },
  };
}
