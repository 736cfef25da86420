// Issue 15 end to end, as a user would run it against `npm run dev`: the seed's `ab_test:` block sent as
// it is, 2,000 runs split 80/20, and a candidate version that succeeds ten points less often found and
// rolled back on its own while the agent's worker loop (`client.worker`) does the tasks.
import { beforeAll, describe, expect, it } from "vitest";
import type { InboxTask, Switchyard } from "../../clients/typescript/index.ts";
import { localServer } from "./server.ts";
import { SEED_AB_TEST } from "../workflows/seed-blocks.ts";


/** One workflow run of the agent's `latest`: a shared-state pattern with the agent alone. */
const workflowYaml = (agent: string) => `agents:
  - {name: ${agent}, version: latest}
coordination:
  pattern: shared-state
  state_store: {type: key-value, conflict_resolution: last-write-wins}
  agents:
    - {name: ${agent}, writes: [result]}
`;

describe("A/B tests of agent versions, end to end", () => {
  const local = localServer();
  let admin: Switchyard;

  /** The calls the TypeScript client does not wrap yet (the catalog and workflows), over plain HTTP. */
  const call = async (method: string, path: string, body?: string, contentType = "application/json") => {
    const res = await fetch(`${local.server.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${local.server.adminToken}`, ...(body === undefined ? {} : { "content-type": contentType }) },
      body,
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };

  async function agentWithVersions(agentId: string, versions: string[]): Promise<Switchyard> {
    await admin.agents.create({ agent_id: agentId });
    for (const version of versions) await call("POST", `/v1/agents/${agentId}/versions`, JSON.stringify({ version }));
    await call("PUT", `/v1/workflows/${agentId}-flow`, workflowYaml(agentId), "application/yaml");
    return local.client((await admin.agents.keys.create(agentId)).api_key);
  }

  /** Starts `n` runs, `inFlight` at a time; answers the version each run pinned. */
  async function startRuns(workflow: string, n: number, inFlight = 16): Promise<string[]> {
    const versions: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < n) {
          next++;
          const run = await admin.runs.start(workflow);
          versions.push(Object.values(run.agents)[0] as string);
        }
      }),
    );
    return versions;
  }

  beforeAll(() => {
    admin = local.admin();
  });

  it("takes the seed's block verbatim and splits 2,000 runs 80/20 within 4 binomial SD", async () => {
    await agentWithVersions("revenue-analyst", ["1.2.0", "1.3.0-beta"]);
    const test = await admin.abTests.create(SEED_AB_TEST);
    expect(test).toMatchObject({ agent: "revenue-analyst", versions: { a: "1.2.0", b: "1.3.0-beta" }, traffic_split: { a: 80, b: 20 }, duration_days: 14, status: "running" });
    await expect(admin.abTests.create(SEED_AB_TEST)).rejects.toMatchObject({ status: 409, code: "conflict" });

    const versions = await startRuns("revenue-analyst-flow", 2000);
    const onA = versions.filter((v) => v === "1.2.0").length;
    expect(versions.filter((v) => v === "1.3.0-beta").length).toBe(2000 - onA);
    expect(Math.abs(onA - 1600)).toBeLessThan(4 * Math.sqrt(2000 * 0.8 * 0.2));
    const read = await admin.abTests.get(test.ab_test_id);
    expect([read.arms.a.assigned, read.arms.b.assigned]).toEqual([onA, 2000 - onA]);
    expect(read.srm.ok).toBe(true);
    expect(read.recommendation).toBe("inconclusive");
    const stopped = await admin.abTests.stop(test.ab_test_id, "seen enough");
    expect(stopped.status).toBe("stopped");
  }, 1_200_000);

  it("finds a 10-point success-rate drop with a real worker loop, rolls back, and sends every later task to a", async () => {
    const agent = await agentWithVersions("forecaster", ["1.0.0", "1.1.0"]);
    const test = await admin.abTests.create({
      agent: "forecaster",
      versions: { a: "1.0.0", b: "1.1.0" },
      traffic_split: { a: 50, b: 50 },
      metrics: ["success_rate", "avg_token_usage"],
      auto_rollback: true,
    });
    // The simulated agent: 1.0.0 fails one task in ten, 1.1.0 one in five.
    const done: Record<string, number> = {};
    const seen: InboxTask[] = [];
    const worker = agent.worker(
      "forecaster",
      (task, context) => {
        seen.push(task);
        const n = (done[task.version] = (done[task.version] ?? 0) + 1);
        context.report({ usage: { tokens_in: 300 + (n % 40), tokens_out: 60 } });
        if (n % (task.version === "1.0.0" ? 10 : 5) === 0) throw Object.assign(new Error("could not reconcile the forecast"), { code: "forecast_failed" });
        return { forecast: n };
      },
      { concurrency: 8, waitSeconds: 2 },
    );
    const loop = worker.start();
    let runs = 0;
    let read = await admin.abTests.get(test.ab_test_id);
    while (read.status === "running" && runs < 1600) {
      await startRuns("forecaster-flow", 40, 8);
      runs += 40;
      while (worker.completed < runs) await new Promise((r) => setTimeout(r, 100));
      read = await admin.abTests.get(test.ab_test_id);
    }
    expect(read.status).toBe("rolled_back");
    expect(read.end_reason).toMatch(/^auto_rollback: b is significantly worse on success_rate/);
    expect(read.recommendation).toBe("keep_a");
    expect(read.arms.b.samples).toBeGreaterThanOrEqual(100);
    expect((read.arms.a.success_rate ?? 0) - (read.arms.b.success_rate ?? 0)).toBeCloseTo(0.1, 1);

    const before = seen.length;
    const later = await startRuns("forecaster-flow", 30, 8);
    expect(new Set(later)).toEqual(new Set(["1.0.0"]));
    while (worker.completed < runs + 30) await new Promise((r) => setTimeout(r, 100));
    const laterTasks = seen.slice(before);
    expect(laterTasks).toHaveLength(30);
    expect(laterTasks.every((t) => t.version === "1.0.0" && t.ab === undefined)).toBe(true);
    await worker.stop();
    await loop;
  }, 1_200_000);
});
