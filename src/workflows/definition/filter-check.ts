// Event filters (`coordination.events[].filter`, event triggers' `filter`) are CEL, compiled when the
// workflow is defined so that a typo fails at PUT. Their variables are the event's `data` fields, plus
// `type`, `source` and `event_id` where `data` has none of that name, and `event`, the whole event. The
// analysis, the rewrites (ordered levels, `type`) and the check against a registered event type's schema
// live with the events (src/events/filter-analysis.ts, src/events/definition-filters.ts).
export { eventTriggerIssues, filterCompileError } from "../../events/definition-filters";
