import { Environment } from "@marcbachmann/cel-js";
import { CEL_LIMITS, describeCelError } from "../../policy/cel-condition";

// Event filters (`coordination.events[].filter`) are CEL, compiled when the workflow is defined so that a
// typo fails at PUT. Their variables are the event's `data` fields (unknown until the event type is
// registered, so any name is accepted here, typed dyn), plus `event`, the whole event.

const MAX_FILTER_LENGTH = 4096;

const environment = new Environment({ unlistedVariablesAreDyn: true, limits: CEL_LIMITS }).registerVariable("event", "map<string, dyn>");

/** Why a filter does not compile, or null when it does (to a bool, or to dyn decided per event). */
export function filterCompileError(text: string): string | null {
  if (text.trim() === "") return "is empty: remove `filter` to match every event of the type";
  if (text.length > MAX_FILTER_LENGTH) return `is longer than ${MAX_FILTER_LENGTH} characters`;
  let parsed: ReturnType<Environment["parse"]>;
  try {
    parsed = environment.parse(text);
  } catch (err) {
    return `does not parse as CEL: ${describeCelError(err, text)}`;
  }
  const checked = parsed.check();
  if (!checked.valid) return `does not type-check as CEL: ${describeCelError(checked.error, text)}${typeHint(text)}`;
  if (checked.type !== "bool" && checked.type !== "dyn") return `must be a condition (a bool), not ${checked.type}`;
  return null;
}

/**
 * The check of a filter against its event type's registered schema: every name it reads must be a field
 * the type declares, and ordering comparisons of strings need an `enum` (an ordered level). Event types
 * are registered by the events issue, which fills this in; until then there is no schema to check
 * against, so nothing is reported.
 */
export function filterFieldIssues(_eventType: string, _filter: string): { message: string; warning: boolean }[] {
  return [];
}

/** `type` is CEL's own type function, so `type == 'x'` cannot read a field named type. */
const typeHint = (text: string) => (/(^|[^.\w])type\s*(==|!=|in\b)/.test(text) ? " (`type` is CEL's type function here: write `event.type`)" : "");
