import type { AgentTotals } from "./observation-store";
import { quantileFrom } from "./quantile";

export interface AgentBottleneck {
  agent: string;
  tasks: number;
  p50_ms: number | null;
  p95_ms: number | null;
  retries: number;
  timeouts: number;
  failures: number;
  critical_path_ms: number;
  critical_path_share: number;
}

export const P50 = 0.5;
export const P95 = 0.95;

const round = (x: number | null, digits = 0) => (x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits);

/**
 * Each agent's figures over the window, worst first: the agent holding the largest part of the runs'
 * critical paths, then the slowest p95, then the most retries and timeouts. `critical_path_share` is the
 * agent's part of the sum of every run's critical path (0..1).
 */
export function bottlenecks(
  totals: readonly AgentTotals[],
  neighbours: readonly { agent: string; n: number; rank: number; ms: number }[],
  criticalPathTotalMs: number,
): AgentBottleneck[] {
  const ranks = new Map<string, { n: number; at: Map<number, number> }>();
  for (const row of neighbours) {
    const entry = ranks.get(row.agent) ?? { n: row.n, at: new Map<number, number>() };
    entry.at.set(row.rank, row.ms);
    ranks.set(row.agent, entry);
  }
  const percentile = (agent: string, p: number) => {
    const entry = ranks.get(agent);
    return entry ? quantileFrom(entry.n, p, (rank) => entry.at.get(rank)) : null;
  };
  return totals
    .map((t) => ({
      agent: t.agent,
      tasks: t.tasks,
      p50_ms: round(percentile(t.agent, P50), 1),
      p95_ms: round(percentile(t.agent, P95), 1),
      retries: t.retries,
      timeouts: t.timeouts,
      failures: t.failures,
      critical_path_ms: t.critical_path_ms,
      critical_path_share: criticalPathTotalMs > 0 ? (round(t.critical_path_ms / criticalPathTotalMs, 4) as number) : 0,
    }))
    .sort(
      (a, b) =>
        b.critical_path_ms - a.critical_path_ms ||
        (b.p95_ms ?? -1) - (a.p95_ms ?? -1) ||
        b.retries + b.timeouts - (a.retries + a.timeouts) ||
        a.agent.localeCompare(b.agent),
    );
}
