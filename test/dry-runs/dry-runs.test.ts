import { beforeAll, describe, expect, it } from "vitest";
import { api, count, expectError } from "../helpers";
import { HIERARCHICAL, MESSAGE_PASSING, SHARED_STATE } from "../workflows/seed-blocks";
import { putWorkflow, seedCatalog, workflowName } from "../workflows/workflow-helpers";

const dryRun = (body: unknown, key?: string) => api("POST", "/v1/dry-runs", { body, ...(key ? { key } : {}) });

/** The seed's message chain with schemas for its three edges. */
const CHAIN_WITH_SCHEMAS = `${MESSAGE_PASSING}schemas:
  raw_records: {type: object, required: [records]}
  enriched_records: {type: object, required: [records, enriched_at]}
  formatted_report: {type: object, required: [title]}
`;

beforeAll(async () => {
  await seedCatalog();
});

describe("dry runs", () => {
  it("runs the seed's message chain with scripted agents: output, task order and a trace like a real run's", async () => {
    const res = await dryRun({
      definition: CHAIN_WITH_SCHEMAS,
      input: { quarter: "Q3" },
      agents: {
        "data-collector": { output: { records: [1, 2] } },
        "data-enricher": { output: { records: [1, 2], enriched_at: "now" } },
        "report-generator": { output: { title: "Q3" } },
        "email-distributor": { output: { sent: 3 } },
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "succeeded", output: { "email-distributor": { sent: 3 } }, workflow: "(unsaved)" });
    expect(res.body.tasks.map((t: { agent_id: string }) => t.agent_id)).toEqual(["data-collector", "data-enricher", "report-generator", "email-distributor"]);
    expect(res.body.messages.map((m: { schema: string }) => m.schema)).toEqual(["raw_records", "enriched_records", "formatted_report"]);
    const kinds = res.body.trace.map((s: { kind: string }) => s.kind);
    expect(kinds.filter((k: string) => k === "task")).toHaveLength(4);
    expect(kinds.filter((k: string) => k === "message")).toHaveLength(3);
    expect(kinds[0]).toBe("run");
    // Each task after the first depends on the message that fed it.
    const messageSpans = new Set(res.body.trace.filter((s: { kind: string }) => s.kind === "message").map((s: { span_id: string }) => s.span_id));
    const fed = res.body.trace.filter((s: { kind: string; links: { span_id: string }[] }) => s.kind === "task" && s.links.some((l) => messageSpans.has(l.span_id)));
    expect(fed).toHaveLength(3);
  });

  it("finds an output off its edge's schema, with the schema's error", async () => {
    const res = await dryRun({
      definition: CHAIN_WITH_SCHEMAS,
      agents: {
        "data-collector": { output: { records: [] } },
        "data-enricher": { output: { records: [] } },
      },
    });
    expect(res.body.status).toBe("failed");
    const finding = res.body.findings.find((f: { kind: string }) => f.kind === "output_off_schema");
    expect(finding).toMatchObject({ agent: "data-enricher", edge: { from: "data-enricher", to: "report-generator", schema: "enriched_records" }, schema: "enriched_records" });
    expect(JSON.stringify(finding.details)).toContain("enriched_at");
  });

  it("finishes the seed's hierarchy with a worker that never answers and a 300 s join in well under 2 s of wall time", async () => {
    const started = Date.now();
    const res = await dryRun({
      definition: HIERARCHICAL,
      agents: {
        "sales-analyst": { output: { revenue: "up" } },
        "marketing-analyst": { output: { campaigns: "ok" }, delay_seconds: 120 },
        "ops-analyst": { never_answer: true },
        "executive-analyst": { output: { summary: "two of three" } },
      },
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.body).toMatchObject({ status: "succeeded", output: { summary: "two of three" } });
    expect(res.body.virtual_duration_ms).toBeGreaterThanOrEqual(300_000);
    const synthesis = res.body.tasks.find((t: { agent_id: string }) => t.agent_id === "executive-analyst");
    expect(synthesis.input.results.map((r: { worker: string; status: string }) => [r.worker, r.status])).toEqual([
      ["sales-analyst", "succeeded"],
      ["marketing-analyst", "succeeded"],
      ["ops-analyst", "timed_out"],
    ]);
    expect(res.body.findings).toContainEqual(expect.objectContaining({ kind: "join_timeout", agent: "executive-analyst", details: expect.objectContaining({ timed_out: ["ops-analyst"] }) }));
  });

  it("finds the stalled summariser and the key it waited for when cost-analyzer never writes cost_trends", async () => {
    const res = await dryRun({
      definition: SHARED_STATE,
      agents: {
        "revenue-analyzer": { output: "ok", state: { revenue_by_region: { emea: 10 }, revenue_trends: "up" } },
        "cost-analyzer": { output: "ok", state: { cost_by_region: { emea: 4 } } },
        "profitability-summarizer": { output: "ok", state: { profitability_report: "x" } },
      },
    });
    expect(res.body).toMatchObject({ status: "failed", error: { code: "stalled" } });
    expect(res.body.findings).toContainEqual(expect.objectContaining({ kind: "stalled", agent: "profitability-summarizer", keys: ["cost_trends"] }));
    expect(res.body.state).toEqual({ revenue_by_region: { emea: 10 }, revenue_trends: "up", cost_by_region: { emea: 4 } });
  });

  it("runs the seed's shared state to its report when every key is written", async () => {
    const res = await dryRun({
      definition: SHARED_STATE,
      agents: {
        "revenue-analyzer": { output: "ok", state: { revenue_by_region: 1, revenue_trends: 1 } },
        "cost-analyzer": { output: "ok", state: { cost_by_region: 1, cost_trends: 1 } },
        "profitability-summarizer": { output: "ok", state: { profitability_report: "margin 60%" } },
      },
    });
    expect(res.body.status).toBe("succeeded");
    expect(res.body.output.profitability_report).toBe("margin 60%");
    expect(res.body.tasks.map((t: { agent_id: string }) => t.agent_id).at(-1)).toBe("profitability-summarizer");
  });

  it("writes nothing outside itself: no inbox item, no run in the registry, no audit row, and is readable by its caller only", async () => {
    const name = workflowName("dry-saved");
    await putWorkflow(undefined, name, HIERARCHICAL);
    const auditBefore = await count("SELECT COUNT(*) AS n FROM _audit_log WHERE action IN ('workflow:run', 'task:complete')");
    const res = await dryRun({ workflow: name, agents: { "sales-analyst": { output: 1 }, "marketing-analyst": { output: 2 }, "ops-analyst": { output: 3 }, "executive-analyst": { output: 4 } } });
    expect(res.body).toMatchObject({ status: "succeeded", workflow: name, revision: 1 });
    for (const agent of ["sales-analyst", "executive-analyst"]) {
      const inbox = await api("GET", `/v1/inbox/${agent}?kind=task`);
      expect(inbox.body.items).toEqual([]);
    }
    expect(await count("SELECT COUNT(*) AS n FROM _runs WHERE run_id = ?", res.body.dry_run_id)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM _tasks WHERE run_id = ?", res.body.dry_run_id)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM _audit_log WHERE action IN ('workflow:run', 'task:complete')")).toBe(auditBefore);
    expect((await api("GET", `/v1/dry-runs/${res.body.dry_run_id}`)).body.findings).toEqual(res.body.findings);

    const other = await api("POST", "/v1/agents", { body: { agent_id: `${name}-other` } });
    expect(other.status).toBe(201);
    const key = (await api("POST", `/v1/agents/${name}-other/keys`)).body.api_key;
    expectError(await api("GET", `/v1/dry-runs/${res.body.dry_run_id}`, { key }), 404, "not_found");
  });

  it("refuses an unknown agent in `agents`, and a definition that does not validate with PUT's own details", async () => {
    const unknown = await dryRun({ definition: HIERARCHICAL, agents: { nobody: { output: 1 } } });
    expectError(unknown, 400, "invalid_request");
    expect(unknown.body.error.details).toEqual([{ path: "agents.nobody", message: "is not an agent of this definition" }]);

    const broken = "coordination:\n  pattern: hierarchical\n  supervisor: executive-analyst\n  workers:\n    - name: executive-analyst\n      task: x\n";
    const viaDry = await dryRun({ definition: broken });
    const viaPut = await putWorkflow(undefined, workflowName("broken"), broken);
    expectError(viaDry, 400, "invalid_request");
    expect(viaDry.body.error.details).toEqual(viaPut.body.error.details);
    expectError(await dryRun({ agents: {} }), 400, "invalid_request");
  });
});
