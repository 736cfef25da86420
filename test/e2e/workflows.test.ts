// The seed's coordination patterns run end to end against `npm run dev`, each agent a `client.worker`
// loop as a user would write it: message-passing with schemas, hierarchical with a slow worker and with
// data branches, versions pinned by runs, and a restart of the server in the middle of a run.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AgentWorker, type InboxTask, Switchyard, SwitchyardError } from "../../clients/typescript/index.ts";
import { HIERARCHICAL, MESSAGE_PASSING as SEED_MESSAGE_PASSING } from "../workflows/seed-blocks.ts";
import { localServer } from "./server.ts";

/** The seed's message chain, with a schema for each of its edges. */
const MESSAGE_PASSING = `${SEED_MESSAGE_PASSING}schemas:
  raw_records: {type: object, required: [records], properties: {records: {type: array}}}
  enriched_records: {type: object, required: [records, enriched_at], properties: {records: {type: array}, enriched_at: {type: string}}}
  formatted_report: {type: object, required: [title, body], properties: {title: {type: string}, body: {type: string}}}
`;

/** The seed's hierarchy with another join timeout, and data branches for sales and marketing if asked. */
const hierarchical = (timeoutSeconds: number, branch = false) =>
  HIERARCHICAL.replace("timeout_seconds: 300", `timeout_seconds: ${timeoutSeconds}`).replace(/(task: "Analyze Q3 (?:sales|campaign)[^"]*")/g, branch ? "$1\n      branch: true" : "$1");

const AGENTS = [
  "data-collector", "data-enricher", "report-generator", "email-distributor",
  "executive-analyst", "sales-analyst", "marketing-analyst", "ops-analyst",
];

describe("workflows end to end", () => {
  const local = localServer();
  const clients = new Map<string, Switchyard>();
  const workers: AgentWorker[] = [];
  let admin: Switchyard;
  const as = (agent: string) => clients.get(agent) as Switchyard;
  const work = (agent: string, handler: Parameters<Switchyard["worker"]>[1]) => {
    const worker = as(agent).worker(agent, handler, { waitSeconds: 2, concurrency: 4 });
    workers.push(worker);
    void worker.start();
    return worker;
  };

  beforeAll(async () => {
    admin = local.admin();
    for (const agent of AGENTS) {
      await admin.agents.create({ agent_id: agent });
      await admin.versions.publish(agent, { version: "1.0.0" });
      clients.set(agent, local.client((await admin.agents.keys.create(agent)).api_key));
    }
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  });

  it("passes the seed's message chain from data-collector to email-distributor; a bad output is refused and corrected", async () => {
    await admin.workflows.put("report-chain", MESSAGE_PASSING);
    const rejections: string[] = [];
    work("data-collector", (task) => ({ records: [{ region: "emea", total: 10 }, { region: "apac", total: 7 }], source: task.input }));
    work("data-enricher", (task, context) => {
      // The first answer forgets `enriched_at`: the edge's schema refuses it and the worker hands it back.
      if (!context.rejection) return { records: (task.input as { records: unknown[] }).records };
      rejections.push(context.rejection.message);
      return { records: (task.input as { records: unknown[] }).records, enriched_at: "2026-12-04T00:00:00.000Z" };
    });
    work("report-generator", (task) => ({ title: "Q3 revenue", body: `${(task.input as { records: unknown[] }).records.length} regions` }));
    work("email-distributor", (task) => ({ sent_to: ["cfo@example.com"], subject: (task.input as { title: string }).title }));

    const run = await as("data-collector").runs.start("report-chain", { input: { quarter: "Q3" } });
    const done = await admin.runs.wait(run.run_id, { timeoutMs: 90_000 });
    expect(done.status).toBe("succeeded");
    expect(done.output).toEqual({ "email-distributor": { sent_to: ["cfo@example.com"], subject: "Q3 revenue" } });
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toContain("enriched_records");
    expect(done.tasks.map((t) => t.agent_id)).toEqual(["data-collector", "data-enricher", "report-generator", "email-distributor"]);
    expect((await admin.runs.messages(run.run_id)).map((m) => m.schema)).toEqual(["raw_records", "enriched_records", "formatted_report"]);
  });

  it("fans the seed's hierarchy out to all three workers at once; the slow one is timed_out at the join and its late answer is 409", async () => {
    await admin.workflows.put("q3-review", hierarchical(4));
    const received: InboxTask[] = [];
    let allThree!: () => void;
    const barrier = new Promise<void>((resolve) => (allThree = resolve));
    const onTask = async (task: InboxTask) => {
      received.push(task);
      if (received.length === 3) allThree();
      // Nobody answers until every worker holds its task: the fan-out is parallel, not one after another.
      await barrier;
    };
    work("sales-analyst", async (task) => (await onTask(task), { revenue: "up 12%" }));
    work("marketing-analyst", async (task) => (await onTask(task), { campaigns: "two of five paid back" }));
    let slowTask: InboxTask | undefined;
    const slowPoll = (async () => {
      // ops-analyst takes its task and sits on it past timeout_seconds.
      for (;;) {
        const { items } = await as("ops-analyst").inbox.poll("ops-analyst", { kind: "task", waitSeconds: 5 });
        const task = items.find((i): i is InboxTask => i.kind === "task");
        if (task) return task;
      }
    })();
    let synthesisInput: unknown;
    work("executive-analyst", (task) => ((synthesisInput = task.input), { summary: "sales and marketing reported; ops did not" }));

    const run = await as("executive-analyst").runs.start("q3-review", { input: { quarter: "Q3" } });
    slowTask = await slowPoll;
    await onTask(slowTask);
    const done = await admin.runs.wait(run.run_id, { timeoutMs: 90_000 });
    expect(done).toMatchObject({ status: "succeeded", output: { summary: "sales and marketing reported; ops did not" } });
    const results = (synthesisInput as { results: { worker: string; status: string }[] }).results;
    expect(results.map((r) => [r.worker, r.status])).toEqual([
      ["sales-analyst", "succeeded"],
      ["marketing-analyst", "succeeded"],
      ["ops-analyst", "timed_out"],
    ]);
    const late = await as("ops-analyst").tasks.complete(slowTask.task_id, { output: { late: true } }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(SwitchyardError);
    expect((late as SwitchyardError).status).toBe(409);
  });

  it("gives each branching worker its own data branch; the supervisor sees both diffs and merges one", { timeout: 120_000 }, async () => {
    await admin.workflows.put("forecast-fork", hierarchical(60, true));
    const write = (region: string, arr: number) => async (task: InboxTask) => {
      const { branch_id } = task.input as { branch_id: string };
      await as(task.agent_id).branches.write(branch_id, { table: "q3_forecast", rows: [{ region, predicted_arr: arr }] });
      return { branch_id, region };
    };
    work("sales-analyst", write("emea", 4_200_000));
    work("marketing-analyst", write("emea", 3_900_000));
    work("ops-analyst", () => ({ note: "no data changes" }));
    work("executive-analyst", async (task) => {
      const { results } = task.input as { results: { worker: string; branch_id?: string; diff?: { tables: Record<string, { added: number }> } }[] };
      const branched = results.filter((r) => r.branch_id);
      const diffs = await Promise.all(branched.map((r) => as("executive-analyst").branches.diff(r.branch_id as string)));
      const chosen = branched.find((r) => r.worker === "sales-analyst")!;
      await as("executive-analyst").branches.merge(chosen.branch_id as string, { strategy: "branch_wins" });
      return { merged: chosen.worker, summaries: branched.map((r) => r.diff), diffs: diffs.map((d) => d.tables.length) };
    });
    const run = await as("executive-analyst").runs.start("forecast-fork");
    const done = await admin.runs.wait(run.run_id, { timeoutMs: 90_000 });
    expect(done.status).toBe("succeeded");
    expect(done.output).toMatchObject({
      merged: "sales-analyst",
      summaries: [{ tables: { q3_forecast: { added: 1 } } }, { tables: { q3_forecast: { added: 1 } } }],
      diffs: [1, 1],
    });
    const main = await admin.query<{ region: string; predicted_arr: number }>("SELECT region, predicted_arr FROM q3_forecast");
    expect(main.rows).toEqual([{ region: "emea", predicted_arr: 4_200_000 }]);
    // The branch left open when the run ended is discarded.
    const branches = await admin.branches.list({ status: "discarded" });
    expect(branches.items.some((b) => b.label.startsWith("forecast-fork/"))).toBe(true);
  });

  it("finishes a run on the version it pinned; a deprecated pin is refused at PUT while an old revision still runs on it", async () => {
    await admin.versions.publish("data-collector", { version: "1.1.0" });
    await admin.workflows.put("pinned-chain", MESSAGE_PASSING.replace("coordination:", 'agents:\n  - {name: data-collector, version: "1.1.0"}\ncoordination:'));
    const run = await as("data-collector").runs.start("pinned-chain");
    expect(run.agents["data-collector"]).toBe("1.1.0");
    await admin.versions.deprecate("data-collector", "1.1.0", { reason: "superseded" });
    const refused = await admin.workflows.put("pinned-chain", MESSAGE_PASSING.replace("coordination:", 'description: changed\nagents:\n  - {name: data-collector, version: "1.1.0"}\ncoordination:')).catch((e: unknown) => e);
    expect((refused as SwitchyardError).status).toBe(400);
    work("data-collector", () => ({ records: [] }));
    work("data-enricher", () => ({ records: [], enriched_at: "now" }));
    work("report-generator", () => ({ title: "t", body: "b" }));
    work("email-distributor", () => ({ sent: true }));
    const done = await admin.runs.wait(run.run_id, { timeoutMs: 90_000 });
    expect(done.status).toBe("succeeded");
    expect(done.tasks[0]).toMatchObject({ agent_id: "data-collector", version: "1.1.0" });
  });

  it("loses nothing when the server restarts in the middle of a run", { timeout: 300_000 }, async () => {
    await admin.workflows.put("restart-chain", MESSAGE_PASSING);
    const run = await as("data-collector").runs.start("restart-chain");
    const { items } = await as("data-collector").inbox.poll("data-collector", { kind: "task", waitSeconds: 5 });
    const first = items.find((i): i is InboxTask => i.kind === "task")!;
    await as("data-collector").tasks.complete(first.task_id, { output: { records: [1] } });

    // Same storage, port and token: the agents' keys and clients still work.
    await local.stop();
    await local.start();

    work("data-enricher", (task) => ({ records: (task.input as { records: unknown[] }).records, enriched_at: "after the restart" }));
    work("report-generator", () => ({ title: "t", body: "b" }));
    work("email-distributor", () => ({ sent: true }));
    const done = await admin.runs.wait(run.run_id, { timeoutMs: 120_000 });
    expect(done.status).toBe("succeeded");
    expect(done.tasks.map((t) => t.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
  });
});
