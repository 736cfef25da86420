import { summarizeArm } from "./arm-aggregate";
import { type AbVerdict, recommend } from "./recommend";
import type { AbTestView } from "./schemas";
import { type StoredAbTest, armAggregate, testMetrics } from "./test-store";

// A test as the contract shows it: its configuration, both arms' figures and the verdict, computed from
// the two aggregate rows (O(1) whatever the number of tasks).

/** The verdict on a stored test (recommend() over its arms, with its own metrics, split and settings). */
export function verdictOf({ test, arms }: StoredAbTest): AbVerdict {
  return recommend({
    arms: { a: armAggregate(arms.a), b: armAggregate(arms.b) },
    metrics: testMetrics(test),
    traffic_split: { a: test.splitA, b: test.splitB },
    sequential: test.sequential,
    min_samples: test.minSamples,
  });
}

/**
 * A rolled-back test keeps the decision it was rolled back on: tasks handed out before the rollback still
 * finish and count, and a sequential p-value may drift back over α with them, but traffic already went to
 * a, so the answer stays `keep_a` and the reason says when and why, and what the figures say now.
 */
function finalVerdict({ test }: StoredAbTest, verdict: AbVerdict): Pick<AbTestView, "recommendation" | "reason"> {
  if (test.status !== "rolled_back" || verdict.recommendation === "keep_a") return { recommendation: verdict.recommendation, reason: verdict.reason };
  const why = (test.endReason ?? "").replace(/^auto_rollback: /, "");
  return { recommendation: "keep_a", reason: `rolled back at ${test.endedAt}: ${why}; with the tasks finished since: ${verdict.reason}` };
}

export function abTestView(stored: StoredAbTest): AbTestView {
  const { test, arms } = stored;
  const verdict = verdictOf(stored);
  return {
    ab_test_id: test.abTestId,
    agent: test.agentId,
    versions: { a: test.versionA, b: test.versionB },
    traffic_split: { a: test.splitA, b: test.splitB },
    duration_days: test.durationDays,
    min_samples: test.minSamples,
    sequential: test.sequential,
    auto_rollback: test.autoRollback,
    status: test.status,
    started_at: test.startedAt,
    ends_at: test.endsAt,
    ended_at: test.endedAt,
    ended_by: test.endedBy,
    end_reason: test.endReason,
    created_by: test.createdBy,
    arms: {
      a: { version: arms.a.version, ...summarizeArm(armAggregate(arms.a)) },
      b: { version: arms.b.version, ...summarizeArm(armAggregate(arms.b)) },
    },
    metrics: verdict.metrics,
    srm: verdict.srm,
    ...finalVerdict(stored, verdict),
  };
}
