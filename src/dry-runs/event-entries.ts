import { Environment } from "@marcbachmann/cel-js";
import type { RunEvent } from "../../durable-objects/workflow-run/run-types";
import type { Finding } from "../../durable-objects/workflow-run/dry-findings";
import { CEL_LIMITS } from "../policy/cel-condition";
import type { Json, WorkflowDefinition } from "../workflows/definition/types";

// Which event-driven entries a dry run's event matches, and why the others did not: a type that differs,
// a filter that did not hold, a filter that failed on this event (a missing field, a type error).

const environment = new Environment({ unlistedVariablesAreDyn: true, limits: CEL_LIMITS }).registerVariable("event", "map<string, dyn>");

/** The filter's variables: the event's data fields, plus type, source and event_id where data has none of that name, and `event`. */
function variables(event: RunEvent): Record<string, unknown> {
  const data = (typeof event.data === "object" && event.data !== null && !Array.isArray(event.data) ? event.data : {}) as Record<string, Json>;
  return { type: event.type, source: event.source, event_id: event.event_id, ...data, event };
}

export function matchEntries(definition: WorkflowDefinition, event: RunEvent): { matched: Record<string, number[]>; findings: Finding[] } {
  const matched: Record<string, number[]> = {};
  const findings: Finding[] = [];
  for (const [index, pattern] of definition.coordination.entries()) {
    if (pattern.pattern !== "event-driven") continue;
    const hits: number[] = [];
    for (const [entry, rule] of pattern.events.entries()) {
      if (rule.type !== event.type) continue;
      if (rule.filter === null) {
        hits.push(entry);
        continue;
      }
      let holds: unknown;
      try {
        holds = environment.evaluate(rule.filter, variables(event));
      } catch (error) {
        findings.push({ kind: "event_unmatched", severity: "warning", filter: rule.filter, message: `The filter of entry ${entry} (${rule.type}) failed on this event: ${error instanceof Error ? error.message : String(error)}.` });
        continue;
      }
      if (holds === true) hits.push(entry);
      else findings.push({ kind: "event_unmatched", severity: "info", filter: rule.filter, message: `The filter of entry ${entry} (${rule.type}) did not hold for this event.`, details: { entry } });
    }
    matched[String(index)] = hits;
    if (hits.length === 0)
      findings.push({
        kind: "event_unmatched",
        severity: "warning",
        message: pattern.events.some((e) => e.type === event.type)
          ? `The event (${event.type}) matched no entry: every filter of its type said no or failed.`
          : `The event (${event.type}) matched no entry: no entry listens to that type (${[...new Set(pattern.events.map((e) => e.type))].join(", ")}).`,
      });
  }
  return { matched, findings };
}
