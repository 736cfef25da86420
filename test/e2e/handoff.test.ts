// Seed pattern 4, "hand-off via agent state": one agent saves its phase's output to its own state, the
// next agent resumes from it, and both survive a restart of the server.
import { beforeAll, describe, expect, it } from "vitest";
import { Switchyard, SwitchyardError } from "../../clients/typescript/index.ts";
import { localServer } from "./server.ts";

// Ids with `.` and `:` (allowed by the contract) check that the client's path encoding round-trips.
const RESEARCHER = "research.agent:a";
const WRITER = "writer.agent:b";

const phase1Output = {
  task: "Q3 churn analysis",
  completed_at: "2026-11-21T10:30:00.000Z",
  sources: [
    { kind: "sql", query: "SELECT segment, churned, total FROM accounts_q3", rows: 1842 },
    { kind: "document", title: "Q3 customer interviews", pages: 37 },
  ],
  findings: [
    { segment: "enterprise", churn_rate: 0.021, trend: "down" },
    { segment: "mid-market", churn_rate: 0.071, trend: "up", note: "after the July pricing change" },
    { segment: "smb", churn_rate: 0.112, trend: "flat" },
  ],
  summary: "Mid-market churn rose 2.3 points after the pricing change; enterprise keeps improving.",
  confidence: 0.87,
  next_steps: ["draft the board summary", "propose a mid-market retention offer"],
};

interface Progress {
  based_on?: { agent_id: string; key: string; version: number };
  status: string;
  sections_done?: string[];
}

describe("hand-off via agent state", () => {
  const local = localServer();
  let researcher: Switchyard;
  let writer: Switchyard;
  let researcherKey: string;
  let writerKey: string;
  const clientFor = local.client;

  beforeAll(async () => {
    const admin = local.admin();
    await admin.agents.create({ agent_id: RESEARCHER, description: "phase 1: gathers and analyses" });
    await admin.agents.create({ agent_id: WRITER, description: "phase 2: writes it up" });
    researcherKey = (await admin.agents.keys.create(RESEARCHER)).api_key;
    writerKey = (await admin.agents.keys.create(WRITER)).api_key;
    researcher = clientFor(researcherKey);
    writer = clientFor(writerKey);
  });

  it("gives each agent a key that identifies it", async () => {
    expect(await researcher.whoami()).toMatchObject({ agent_id: RESEARCHER, role: "agent" });
    expect(await writer.whoami()).toMatchObject({ agent_id: WRITER, role: "agent" });
  });

  it("lets agent A save its phase 1 output to its own state", async () => {
    const entry = await researcher.state.set(RESEARCHER, "phase1_output", phase1Output);
    expect(entry).toMatchObject({ agent_id: RESEARCHER, key: "phase1_output", value: phase1Output, version: 1 });
    expect(entry.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("lets agent B read A's output at version 1 and record its own progress", async () => {
    const handoff = await writer.state.get(RESEARCHER, "phase1_output");
    expect(handoff).toMatchObject({ agent_id: RESEARCHER, key: "phase1_output", value: phase1Output, version: 1 });

    const progress = await writer.state.set<Progress>(WRITER, "phase2_progress", {
      based_on: { agent_id: RESEARCHER, key: "phase1_output", version: handoff.version },
      status: "drafting",
      sections_done: ["executive summary"],
    });
    expect(progress).toMatchObject({ agent_id: WRITER, key: "phase2_progress", version: 1 });
  });

  it("refuses B overwriting A's state with 403 forbidden, and leaves it as it was", async () => {
    const attempt = writer.state.set(RESEARCHER, "phase1_output", { summary: "overwritten" });
    await expect(attempt).rejects.toBeInstanceOf(SwitchyardError);
    await expect(attempt).rejects.toMatchObject({ status: 403, code: "forbidden" });
    const error = await attempt.catch((err: unknown) => err);
    expect((error as SwitchyardError).requestId).toMatch(/\S/);

    expect(await writer.state.get(RESEARCHER, "phase1_output")).toMatchObject({ value: phase1Output, version: 1 });
  });

  it("refuses a compare-and-set with a stale expected version with 409 conflict", async () => {
    const current = await writer.state.get<Progress>(WRITER, "phase2_progress");
    const next: Progress = { ...current.value, status: "reviewing", sections_done: ["executive summary", "findings"] };
    const written = await writer.state.set(WRITER, "phase2_progress", next, { expectedVersion: current.version });
    expect(written.version).toBe(2);

    const stale = writer.state.set(WRITER, "phase2_progress", { status: "lost update" }, { expectedVersion: current.version });
    await expect(stale).rejects.toMatchObject({ status: 409, code: "conflict" });
    expect(await writer.state.get(WRITER, "phase2_progress")).toMatchObject({ value: next, version: 2 });
  });

  it("keeps both values, and the keys, across a restart of the server", async () => {
    const { port } = local.server;
    await local.stop();
    await local.start(); // the same storage, port and admin token
    expect(local.server.port).toBe(port);

    // New clients with the same API keys, as agents reconnecting after a redeploy would be.
    const researcherAgain = clientFor(researcherKey);
    const writerAgain = clientFor(writerKey);
    expect(await researcherAgain.state.get(RESEARCHER, "phase1_output")).toMatchObject({ value: phase1Output, version: 1 });
    expect(await writerAgain.state.get(RESEARCHER, "phase1_output")).toMatchObject({ value: phase1Output, version: 1 });
    const progress = await writerAgain.state.get(WRITER, "phase2_progress");
    expect(progress).toMatchObject({ version: 2, value: { status: "reviewing" } });

    const keys = [];
    for await (const summary of writerAgain.state.listAll(WRITER)) keys.push(summary.key);
    expect(keys).toEqual(["phase2_progress"]);
  });
});
