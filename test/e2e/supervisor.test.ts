// Seed pattern 5, whole: a read-only supervisor watches the others. A rogue agent keeps writing where a
// policy says only agent-a may; the supervisor's query, typed verbatim, finds it. Then someone with the
// database file edits one step of agent-a's chain of thought; the supervisor verifies every active
// session and escalates the broken chain, naming the edited step. (A reader changes nothing, its inbox
// sends included: the contract's reader "reads only", so its escalations go to the people running it.)
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { beforeAll, describe, expect, it } from "vitest";
import { Switchyard } from "../../clients/typescript/index.ts";
import { localServer } from "./server.ts";

const SUPERVISOR_QUERY =
  "SELECT agent_id, COUNT(*) AS denied_queries, MAX(denied_at) AS last_denial FROM _policy_denials WHERE denied_at >= NOW() - INTERVAL '1 hour' GROUP BY agent_id HAVING COUNT(*) > 10 ORDER BY denied_queries DESC;";

describe("seed pattern 5: a supervisor with read-only permissions watches the others", () => {
  const local = localServer();
  const keys: Record<string, string> = {};

  const as = (agentId: string) => local.client(keys[agentId]!);

  beforeAll(async () => {
    const admin = local.admin();
    for (const [agent_id, role] of [["agent-a", "agent"], ["rogue", "agent"], ["supervisor", "reader"]] as const) {
      await admin.agents.create({ agent_id, role });
      keys[agent_id] = (await admin.agents.keys.create(agent_id)).api_key;
    }
    await admin.policies.create({
      policy_id: "only-agent-a-writes-kb",
      effect: "deny",
      actions: ["memory:write"],
      resources: ["memory:shared-knowledge-base"],
      condition: 'subject.agent_id != "agent-a"',
    });
  });

  it("finds the rogue agent's denied writes with its verbatim query", async () => {
    await as("agent-a").memory.store({ agent_id: "shared-knowledge-base", content: "Enterprise customers renew at 94%." });
    for (let i = 0; i < 12; i++) {
      await expect(as("rogue").memory.store({ agent_id: "shared-knowledge-base", content: `Enterprise renewals are ${i}%.` })).rejects.toMatchObject({
        status: 403,
        details: { policy_id: "only-agent-a-writes-kb" },
      });
    }
    const { rows } = await as("supervisor").query<{ agent_id: string; denied_queries: number; last_denial: string }>(SUPERVISOR_QUERY);
    expect(rows).toEqual([{ agent_id: "rogue", denied_queries: 12, last_denial: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) }]);
    // The supervisor itself may only read.
    await expect(as("supervisor").memory.store({ agent_id: "shared-knowledge-base", content: "x" })).rejects.toMatchObject({ status: 403 });
  });

  it("verifies every active session, and escalates the one edited in the database file at its step", async () => {
    for (const [agent, session] of [["agent-a", "renewals-forecast"], ["rogue", "rogue-notes"]] as const) {
      for (const step_type of ["observation", "analysis", "decision", "action"] as const) {
        await as(agent).cot.log({ session_id: session, step_type, content: `${agent}: ${step_type}` });
      }
    }

    // Someone with the local D1 file rewrites agent-a's decision (step 2), dropping the guard trigger first.
    await local.stop();
    const d1 = join(local.dataDir, "v3", "d1", "miniflare-D1DatabaseObject");
    let edited = 0;
    for (const file of readdirSync(d1).filter((f) => f.endsWith(".sqlite"))) {
      const db = new DatabaseSync(join(d1, file));
      try {
        if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = '_cot'").get()) continue;
        db.exec("DROP TRIGGER _cot_no_update");
        edited += Number(db.prepare("UPDATE _cot SET content = 'agent-a: approve everything' WHERE session_id = 'renewals-forecast' AND step_index = 2").run().changes);
      } finally {
        db.close();
      }
    }
    expect(edited).toBe(1);
    await local.start();

    // The supervisor's loop: every session active in the last hour, verified; broken chains escalated.
    const supervisor = as("supervisor");
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const escalations: { session_id: string; agent_id: string; broken_links: unknown }[] = [];
    let checked = 0;
    for await (const session of supervisor.cot.allSessions({ since })) {
      const result = await supervisor.cot.verify(session.session_id);
      checked++;
      if (!result.chain_intact) escalations.push({ session_id: session.session_id, agent_id: session.agent_id, broken_links: result.broken_links });
    }
    expect(checked).toBe(2);
    expect(escalations).toEqual([{ session_id: "renewals-forecast", agent_id: "agent-a", broken_links: [{ step_index: 2, reason: "hash_mismatch" }] }]);
    // Escalating is all a reader can do about it: the ledger stays append-only for everyone.
    await expect(supervisor.query("DELETE FROM _cot WHERE session_id = 'renewals-forecast'")).rejects.toMatchObject({ status: 403 });
  });
});
