import type { RunEvent } from "../../durable-objects/workflow-run/run-types";
import type { Finding } from "../../durable-objects/workflow-run/dry-findings";
import { compileFilter } from "../events/compiled-filter";
import { getEventType } from "../events/event-types";
import { checkPublishable } from "../events/publish";
import type { WorkflowDefinition } from "../workflows/definition/types";

// Which event-driven entries a dry run's event matches, and why the others did not, decided exactly as a
// published event is: checked against its registered type (400 when it would be refused), each filter
// compiled by the events module against that type's schema (so `severity >= 'high'` compares ordered
// levels), and a filter that fails on this event is a non-match with its reason.

/** The registered schema of a type, or null when it is not registered (filters then run as plain CEL). */
async function registeredSchema(db: D1Database, type: string): Promise<unknown | null> {
  try {
    return (await getEventType(db, type)).schema;
  } catch {
    return null;
  }
}

export async function matchEntries(db: D1Database, definition: WorkflowDefinition, event: RunEvent): Promise<{ matched: Record<string, number[]>; findings: Finding[] }> {
  const schema = await registeredSchema(db, event.type);
  checkPublishable({ type: event.type, source: event.source, data: event.data }, { publisher: "http", publishedBy: "dry-run" }, schema ?? undefined);
  const registered = schema === null ? null : { type: event.type, schema };
  const matched: Record<string, number[]> = {};
  const findings: Finding[] = [];
  for (const [index, pattern] of definition.coordination.entries()) {
    if (pattern.pattern !== "event-driven") continue;
    const hits: number[] = [];
    for (const [entry, rule] of pattern.events.entries()) {
      if (rule.type !== event.type) continue;
      const outcome = compileFilter(rule.filter, registered, rule.type).run(event);
      if (outcome.matched) hits.push(entry);
      else
        findings.push({
          kind: "event_unmatched",
          severity: outcome.reason.includes("could not be evaluated") || outcome.reason.includes("no longer fits") ? "warning" : "info",
          filter: rule.filter ?? undefined,
          message: `Entry ${entry} (${rule.type}) did not match: ${outcome.reason}.`,
          details: { entry, saw: outcome.saw },
        });
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
