import type { LoopGuard } from "./matching";

// Platform events can start runs, and runs publish platform events: a workflow that handles `run.failed`
// and itself fails would start itself forever. Two rules bound every such chain; each held-back start is
// recorded on the event's decision, so it is never a silent drop.
// 1. A platform event published by a run that a platform event started does not start that same
//    workflow again (the run.failed handler that fails runs once per outside cause, not in a loop).
// 2. Each platform event carries its depth: how many platform events lead to it from the last cause
//    from outside (an API call, a queue message, a schedule). Past MAX_EVENT_DEPTH it starts no run at
//    all, whichever workflows take part in the chain (A's failure starts B, B's starts A, …).

/** The deepest platform event that still starts runs. */
export const MAX_EVENT_DEPTH = 4;

/** The run a platform event came from. */
export interface CausedBy {
  run_id: string;
  workflow: string;
  /** That run was itself started by a platform event. */
  started_by_platform_event: boolean;
}

export function loopGuard(depth: number, causedBy: CausedBy | null): LoopGuard {
  return (workflow) => {
    if (depth > MAX_EVENT_DEPTH)
      return `this platform event is ${depth} events deep in a chain that began with one from outside, and runs start from at most ${MAX_EVENT_DEPTH} (a loop guard)`;
    if (causedBy?.workflow === workflow && causedBy.started_by_platform_event)
      return `it was published by run ${causedBy.run_id} of this same workflow, which a platform event started: starting it again could loop forever (a loop guard)`;
    return null;
  };
}
