import type { Json } from "../workflows/definition/types";
import type { CompiledFilter, FilterEvent } from "./compiled-filter";
import type { SubscriptionRow } from "./routing-cache";

// Deciding, for one event, what each subscribed workflow does: every entry and trigger of the event's type
// is tried, and the workflow gets one decision that says which matched and why the others did not. A
// workflow with at least one match starts one run (all its matched event-driven entries go into that run);
// the loop guard may still hold it back, and then the decision says so.

export interface EntryDecision {
  /** Where in the definition: `coordination.events[1]`, `triggers[0]`. */
  source: string;
  kind: "pattern" | "trigger";
  filter: string | null;
  matched: boolean;
  reason: string;
  /** The values of the fields the filter read, as this event had them. */
  saw: Record<string, Json>;
}

export interface WorkflowDecision {
  workflow: string;
  revision: number;
  /** Some entry or trigger matched. */
  matched: boolean;
  /** Whether a run is to start: matched, and not held back by the loop guard. */
  starts: boolean;
  reason: string;
  entries: EntryDecision[];
  /** For each event-driven pattern with entries of this type, the entries that matched (the run's `matched`). */
  matchedEntries: Record<string, number[]>;
}

/** Why a workflow must not start from this event (see loop-guard.ts), or null. */
export type LoopGuard = (workflow: string) => string | null;

export function decide(event: FilterEvent, subscriptions: readonly SubscriptionRow[], filterOf: (s: SubscriptionRow) => CompiledFilter, guard: LoopGuard): WorkflowDecision[] {
  const byWorkflow = new Map<string, SubscriptionRow[]>();
  for (const s of subscriptions) byWorkflow.set(s.workflow, [...(byWorkflow.get(s.workflow) ?? []), s]);
  const decisions: WorkflowDecision[] = [];
  for (const [workflow, rows] of byWorkflow) {
    const entries: EntryDecision[] = [];
    const matchedEntries: Record<string, number[]> = {};
    for (const row of rows) {
      const outcome = filterOf(row).run(event);
      entries.push({ source: row.source, kind: row.kind, filter: row.filter, matched: outcome.matched, reason: outcome.reason, saw: outcome.saw });
      if (row.kind === "pattern" && row.patternIndex !== null) {
        const list = (matchedEntries[String(row.patternIndex)] ??= []);
        if (outcome.matched && row.entryIndex !== null) list.push(row.entryIndex);
      }
    }
    const hits = entries.filter((e) => e.matched);
    const matched = hits.length > 0;
    const held = matched ? guard(workflow) : null;
    const list = (items: EntryDecision[]) => items.map((e) => e.source).join(", ");
    const reason = !matched
      ? `nothing matched: ${entries.map((e) => `${e.source}: ${e.reason}`).join("; ")}`
      : held !== null
        ? `matched by ${list(hits)}, but no run was started: ${held}`
        : `matched by ${list(hits)}`;
    decisions.push({ workflow, revision: rows[0]!.revision, matched, starts: matched && held === null, reason, entries, matchedEntries });
  }
  return decisions;
}
