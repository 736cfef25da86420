// The seed's "Agent Versioning" table and coordination blocks, as a user would go through them with the
// TypeScript client: agents publish versions, a team defines its workflows in YAML (the seed's blocks,
// verbatim), pins versions, deprecates one, rolls back, and everything survives a restart.
import { beforeAll, describe, expect, it } from "vitest";
import { Switchyard, SwitchyardError } from "../../clients/typescript/index.ts";
import { AGENTS, HIERARCHICAL, MESSAGE_PASSING, SEED_AGENTS, SHARED_STATE, EVENT_DRIVEN } from "../workflows/seed-blocks.ts";
import { localServer } from "./server.ts";

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (err: unknown) => {
      if (!(err instanceof SwitchyardError)) throw err;
      return err;
    },
  );

describe("agent versions and workflow definitions", () => {
  const local = localServer();
  const keys = new Map<string, string>();
  let admin: Switchyard;
  let analyst: Switchyard;
  let lead: Switchyard;

  beforeAll(async () => {
    admin = local.admin();
    for (const agentId of [...SEED_AGENTS, "team-lead"]) {
      await admin.agents.create({ agent_id: agentId });
      keys.set(agentId, (await admin.agents.keys.create(agentId)).api_key);
    }
    // Each agent publishes its own versions.
    for (const agentId of SEED_AGENTS) {
      const self = local.client(keys.get(agentId)!);
      await self.versions.publish(agentId, { version: "1.0.0", description: `${agentId}, first release` });
    }
    analyst = local.client(keys.get("revenue-analyst")!);
    lead = local.client(keys.get("team-lead")!);
  });

  it("publishes new versions while the previous ones stay available, highest first", async () => {
    await analyst.versions.publish("revenue-analyst", { version: "1.2.0", output_schema: { type: "object", required: ["revenue_by_region"] } });
    await analyst.versions.publish("revenue-analyst", { version: "1.3.0-beta" });
    const versions: string[] = [];
    for await (const v of analyst.versions.listAll("revenue-analyst")) versions.push(v.version);
    expect(versions).toEqual(["1.3.0-beta", "1.2.0", "1.0.0"]);
    expect((await analyst.versions.resolve("revenue-analyst", "latest")).version).toBe("1.2.0");
    const again = await failureOf(analyst.versions.publish("revenue-analyst", { version: "1.2.0" }));
    expect([again.status, again.code]).toEqual([409, "conflict"]);
  });

  it("accepts each of the seed's coordination blocks verbatim, as YAML", async () => {
    for (const [name, block] of [
      ["events", EVENT_DRIVEN],
      ["pipeline", MESSAGE_PASSING],
      ["profitability", SHARED_STATE],
      ["q3-review", HIERARCHICAL],
    ] as const) {
      const wf = await lead.workflows.put(name, block);
      expect(wf.revision, name).toBe(1);
      expect(wf.created_by).toBe("team-lead");
      // Nothing pinned: the seed's own advice comes back as warnings.
      expect(wf.warnings.some((w) => /pin a version in production/.test(w.message)), name).toBe(true);
    }
  });

  it("pins versions with the seed's agents block, refuses a deprecated pin for new workflows, keeps it for existing ones", async () => {
    const pinned = await lead.workflows.put("revenue", `description: Quarterly revenue pipeline\n${AGENTS}${SHARED_STATE.replace("revenue-analyzer", "revenue-analyst")}`);
    expect(pinned.agents.slice(0, 2)).toEqual([
      { name: "revenue-analyst", version: "1.2.0" },
      { name: "cost-analyzer", version: "latest" },
    ]);

    await analyst.versions.deprecate("revenue-analyst", "1.2.0", { reason: "wrong currency conversion" });
    expect((await analyst.versions.resolve("revenue-analyst", "latest")).version).toBe("1.0.0");
    // The existing revision keeps its pin; a new workflow pinning the deprecated version is refused.
    expect((await lead.workflows.get("revenue")).agents[0]).toEqual({ name: "revenue-analyst", version: "1.2.0" });
    const refused = await failureOf(lead.workflows.put("revenue-copy", `${AGENTS}${HIERARCHICAL}`));
    expect(refused.status).toBe(400);
    expect(refused.details).toEqual([expect.objectContaining({ path: "agents[0]", line: 2, column: 5, message: expect.stringMatching(/deprecated/) })]);
  });

  it("rolls back by re-pinning, and by rolling back to an earlier revision", async () => {
    await analyst.versions.publish("revenue-analyst", { version: "1.2.1" });
    const repinned = await lead.workflows.put("q3-review", `agents:\n  - {name: executive-analyst, version: "1.0.0"}\n${HIERARCHICAL}`);
    expect(repinned.revision).toBe(2);
    const back = await lead.workflows.rollback("q3-review", 1);
    expect(back.revision).toBe(3);
    expect(back.agents[0]).toEqual({ name: "executive-analyst", version: "latest" });
    const history: number[] = [];
    for await (const r of lead.workflows.allRevisions("q3-review")) history.push(r.revision);
    expect(history).toEqual([3, 2, 1]);
  });

  it("lets only the author change a workflow; other agents read it", async () => {
    const other = local.client(keys.get("ops-analyst")!);
    expect((await other.workflows.get("q3-review")).name).toBe("q3-review");
    const denied = await failureOf(other.workflows.put("q3-review", HIERARCHICAL.replace("Analyze Q3 sales performance", "Do nothing")));
    expect([denied.status, denied.code]).toEqual([403, "forbidden"]);
  });

  it("keeps the catalog and every revision across a restart", async () => {
    await local.stop();
    await local.start();
    const client = local.client(keys.get("team-lead")!);
    expect((await client.workflows.get("q3-review")).revision).toBe(3);
    expect((await client.workflows.get("q3-review", { revision: 2 })).agents[0]).toEqual({ name: "executive-analyst", version: "1.0.0" });
    expect((await client.versions.get("revenue-analyst", "1.2.0")).deprecated).toBe(true);
    const deleted = await client.workflows.delete("events");
    expect(deleted).toEqual({ name: "events", deleted: true, cancelled_runs: [] });
  });
});
