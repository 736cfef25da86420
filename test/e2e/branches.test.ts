// Seed pattern 3, "branches": agent A tries a forecast on a branch without touching main and hands the
// branch to agent B through shared memory; B, a read-only supervisor, reviews it; agent C merges it.
// Another run ends the other way: the branch is discarded and main never sees it.
import { beforeAll, describe, expect, it } from "vitest";
import { Switchyard, SwitchyardError } from "../../clients/typescript/index.ts";
import { localServer } from "./server.ts";

const ANALYST = "forecast-analyst";
const SUPERVISOR = "finance-supervisor";
const RELEASER = "release-manager";
const SHARED = "shared-knowledge-base";

const baseline = [
  { id: "2027-Q1", revenue: 1_000_000, scenario: "baseline" },
  { id: "2027-Q2", revenue: 1_050_000, scenario: "baseline" },
];

describe("branches: experiment, hand-off through shared memory, review, merge or discard", () => {
  const local = localServer();
  let analyst: Switchyard;
  let supervisor: Switchyard;
  let releaser: Switchyard;
  let branchId: string;

  /** What main holds now: `POST /v1/query` on main. */
  async function mainForecast(by: Switchyard) {
    return (await by.query("SELECT id, revenue, scenario FROM revenue_forecast ORDER BY id")).rows;
  }

  beforeAll(async () => {
    const admin = local.admin();
    const clientFor = async (agentId: string, role: "agent" | "reader") => {
      await admin.agents.create({ agent_id: agentId, role });
      const { api_key } = await admin.agents.keys.create(agentId);
      return local.client(api_key);
    };
    analyst = await clientFor(ANALYST, "agent");
    supervisor = await clientFor(SUPERVISOR, "reader");
    releaser = await clientFor(RELEASER, "agent");
    // Main's revenue_forecast, created and filled with SQL on main.
    await releaser.query("CREATE TABLE revenue_forecast (id TEXT PRIMARY KEY, revenue INTEGER NOT NULL, scenario TEXT NOT NULL)");
    await releaser.query("INSERT INTO revenue_forecast (id, revenue, scenario) VALUES (?, ?, ?), (?, ?, ?)", baseline.flatMap((r) => [r.id, r.revenue, r.scenario]));
  });

  it("lets agent A branch and write an experimental row without touching main", async () => {
    const branch = await analyst.branches.create({ label: "q1-forecast-experiment", description: "Q1 with the new enterprise tier" });
    expect(branch).toMatchObject({ label: "q1-forecast-experiment", status: "open", created_by: ANALYST });
    branchId = branch.branch_id;
    const written = await analyst.branches.write(branchId, { table: "revenue_forecast", rows: [{ id: "2027-Q1", revenue: 1_250_000, scenario: "experimental" }], mode: "upsert" });
    expect(written).toEqual({ table: "revenue_forecast", written: 1 });
    expect(await mainForecast(releaser)).toEqual(baseline);
  });

  it("hands the branch id to B through shared memory", async () => {
    await analyst.memory.store({
      agent_id: SHARED,
      content: `Q1 revenue forecast experiment is ready for review on branch ${branchId} (q1-forecast-experiment).`,
      metadata: { kind: "branch-review", branch_id: branchId },
      memory_type: "instruction",
    });
    const { results } = await supervisor.memory.search({ agent_id: SHARED, query: "Which branch has the Q1 forecast experiment to review?", filter: { kind: "branch-review" } });
    expect(results[0]?.metadata).toMatchObject({ branch_id: branchId });
  });

  it("lets B, a reader, query and diff the branch, and nothing more", async () => {
    const found = await supervisor.branches.get(branchId);
    expect(found.status).toBe("open");
    const { rows } = await supervisor.branches.query(branchId, { sql: "SELECT id, revenue, scenario FROM revenue_forecast WHERE id = ?", params: ["2027-Q1"] });
    expect(rows).toEqual([{ id: "2027-Q1", revenue: 1_250_000, scenario: "experimental" }]);
    const diff = await supervisor.branches.diff(branchId);
    expect(diff.tables).toEqual([
      expect.objectContaining({
        table: "revenue_forecast",
        changed: [{ key: { id: "2027-Q1" }, before: baseline[0], after: { id: "2027-Q1", revenue: 1_250_000, scenario: "experimental" } }],
        added: [],
        deleted: [],
      }),
    ]);
    expect(diff.conflicts).toEqual([]);
    const refused = await supervisor.branches.write(branchId, { table: "revenue_forecast", rows: [{ id: "2027-Q3", revenue: 1 }] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SwitchyardError);
    expect((refused as SwitchyardError).status).toBe(403);
    const merge = await supervisor.branches.merge(branchId, { strategy: "branch_wins" }).catch((e: unknown) => e);
    expect((merge as SwitchyardError).status).toBe(403);
  });

  it("lets agent C merge the approved branch with branch_wins, after which it takes no more writes", async () => {
    const result = await releaser.branches.merge(branchId, { strategy: "branch_wins" });
    expect(result).toEqual({ status: "merged", applied: { revenue_forecast: 1 }, conflicts: [] });
    expect(await mainForecast(releaser)).toEqual([{ id: "2027-Q1", revenue: 1_250_000, scenario: "experimental" }, baseline[1]]);
    expect(await releaser.branches.get(branchId)).toMatchObject({ status: "merged", merged_by: RELEASER });
    const late = await analyst.branches.write(branchId, { table: "revenue_forecast", rows: [{ id: "2027-Q4", revenue: 1 }] }).catch((e: unknown) => e);
    expect((late as SwitchyardError).status).toBe(409);
  });

  it("discards another run's branch: main never sees it", async () => {
    const branch = await analyst.branches.create({ label: "q1-forecast-experiment", ttl_seconds: 3600 });
    await analyst.branches.write(branch.branch_id, { table: "revenue_forecast", rows: [{ id: "2027-Q2", revenue: 1, scenario: "too-bold" }], mode: "upsert" });
    const discarded = await releaser.branches.discard(branch.branch_id);
    expect(discarded.status).toBe("discarded");
    expect((await mainForecast(releaser)).find((r) => r.id === "2027-Q2")).toEqual(baseline[1]);
    const ids: string[] = [];
    for await (const b of releaser.branches.listAll({ status: "discarded" })) ids.push(b.branch_id);
    expect(ids).toContain(branch.branch_id);
  });
});
