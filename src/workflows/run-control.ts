// What deleting a workflow needs from the run engine: its running runs, and a way to cancel one. A
// stand-in until the runs issue lands: it reads the runs' registry (`_runs`) directly, and finds no runs
// where that table does not exist yet. The run engine replaces this module with calls into its own code
// (cancelling through the run's Durable Object, which alone writes a run's state).

const NO_RUNS_TABLE = /no such table: _runs/i;

/** The ids of the workflow's runs that are still running. */
export async function runningRuns(env: Env, workflow: string): Promise<string[]> {
  try {
    const { results } = await env.DB.prepare("SELECT run_id FROM _runs WHERE workflow = ?1 AND status = 'running' ORDER BY run_id")
      .bind(workflow)
      .all<{ run_id: string }>();
    return results.map((r) => r.run_id);
  } catch (err) {
    // Before the runs' registry exists there are no runs; any other failure is real.
    if (err instanceof Error && NO_RUNS_TABLE.test(err.message)) return [];
    throw err;
  }
}

/** Cancels one run (a run that already ended is left as it is). */
export async function cancelRun(env: Env, runId: string): Promise<void> {
  await env.DB.prepare("UPDATE _runs SET status = 'cancelled', ended_at = ?2 WHERE run_id = ?1 AND status = 'running'")
    .bind(runId, new Date().toISOString())
    .run();
}
