// Seed pattern 5, the ledger's part: an agent logs its chain of thought, a supervisor verifies it intact;
// then someone with access to the database file edits a step directly (dropping the append-only triggers
// first, as an attacker with the file would), and verification names the edited step.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { beforeAll, describe, expect, it } from "vitest";
import { type CotStep, type LogStepInput, Switchyard } from "../../clients/typescript/index.ts";
import { localServer } from "./server.ts";

const SESSION = "invoice-run:2026-11-21";

const thoughts: Omit<LogStepInput, "session_id">[] = [
  { step_type: "observation", content: "Three invoices from Globex disagree with the ledger.", input_data: { invoices: ["INV-20931", "INV-20977", "INV-21004"] } },
  { step_type: "hypothesis", content: "The difference is VAT rounded per line instead of per invoice.", importance: 0.7 },
  { step_type: "analysis", content: "Recomputed VAT per invoice: the totals now match for all three.", output_data: { matched: 3 } },
  { step_type: "decision", content: "Correct the ledger entries; no refund is owed.", importance: 0.9, metadata: { approver: "finance" } },
  { step_type: "action", content: "Posted three correcting entries.", output_data: { entries: ["JE-1", "JE-2", "JE-3"] } },
];

/** The canonical form of docs/cot.md, recomputed from the API's answer (JSON fields re-serialised as stored). */
function recompute(s: CotStep): string {
  const text = (v: unknown) => (v === null ? null : JSON.stringify(v));
  const canonical = JSON.stringify({
    agent_id: s.agent_id,
    content: s.content,
    importance: s.importance.toFixed(6),
    input_data: text(s.input_data),
    logged_at: s.logged_at,
    metadata: text(s.metadata),
    output_data: text(s.output_data),
    prev_hash: s.prev_hash,
    session_id: s.session_id,
    step_index: s.step_index,
    step_type: s.step_type,
  });
  return createHash("sha256").update(canonical).digest("hex");
}

/** Runs a snippet of docs/cot.md (the first ```<lang> block) as a reader of the docs would; its output lines. */
function runDocSnippet(lang: "js" | "python", dir: string, args: string[]): string[] | undefined {
  const docs = readFileSync(new URL("../../docs/cot.md", import.meta.url), "utf8");
  const code = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(docs)?.[1];
  if (!code) throw new Error(`docs/cot.md has no ${lang} snippet`);
  const file = join(dir, lang === "js" ? "recompute.mjs" : "recompute.py");
  writeFileSync(file, code);
  const command = lang === "js" ? process.execPath : "python3";
  const run = spawnSync(command, [file, ...args], { encoding: "utf8" });
  if (run.error && lang === "python") return undefined; // no python3 on this machine: nothing to check
  if (run.status !== 0) throw new Error(`${lang} snippet failed: ${run.stderr}`);
  return run.stdout.trim().split("\n");
}

/** The local D1 database file under the persist directory (miniflare keeps one SQLite file per database). */
function d1Files(persistTo: string): string[] {
  const dir = join(persistTo, "v3", "d1", "miniflare-D1DatabaseObject");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sqlite"))
    .map((f) => join(dir, f));
}

describe("chain-of-thought ledger, end to end", () => {
  const local = localServer();
  let agent: Switchyard;
  let supervisor: Switchyard;
  let supervisorKey: string;
  const clientFor = local.client;

  beforeAll(async () => {
    const admin = local.admin();
    await admin.agents.create({ agent_id: "reconciler", description: "reconciles invoices" });
    await admin.agents.create({ agent_id: "supervisor", role: "reader", description: "watches the others" });
    agent = clientFor((await admin.agents.keys.create("reconciler")).api_key);
    supervisorKey = (await admin.agents.keys.create("supervisor")).api_key;
    supervisor = clientFor(supervisorKey);
  });

  it("logs a chain that the supervisor lists, reads, recomputes and verifies intact", async () => {
    let prev = "0".repeat(64);
    for (const [i, thought] of thoughts.entries()) {
      const logged = await agent.cot.log({ session_id: SESSION, ...thought });
      expect(logged).toMatchObject({ session_id: SESSION, step_index: i, prev_hash: prev });
      prev = logged.hash;
    }
    const { items } = await supervisor.cot.sessions({ agent_id: "reconciler" });
    expect(items).toEqual([expect.objectContaining({ session_id: SESSION, agent_id: "reconciler", steps: 5, head_hash: prev })]);

    const steps: CotStep[] = [];
    for await (const step of supervisor.cot.steps(SESSION, { limit: 2 })) steps.push(step);
    expect(steps.map((s) => s.step_type)).toEqual(thoughts.map((t) => t.step_type));
    for (const step of steps) expect(recompute(step)).toBe(step.hash);

    // The Node snippet of docs/cot.md, run as is, agrees.
    expect(runDocSnippet("js", local.dataDir, [local.server.baseUrl, supervisorKey, SESSION])).toEqual(["0 ok", "1 ok", "2 ok", "3 ok", "4 ok"]);

    expect(await supervisor.cot.verify(SESSION)).toEqual({
      session_id: SESSION,
      chain_intact: true,
      entries_checked: 5,
      broken_links: [],
      broken_links_truncated: false,
    });
  });

  it("fails verification at the step edited directly in the local D1 file", async () => {
    await local.stop();
    const files = d1Files(local.dataDir);
    let edited = 0;
    let ledgerFile = "";
    for (const file of files) {
      const db = new DatabaseSync(file);
      try {
        const has = db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = '_cot'").get() as { n: number };
        if (has.n === 0) continue;
        ledgerFile = file;
        // The triggers stop this UPDATE; someone with the file simply drops them first.
        expect(() => db.prepare("UPDATE _cot SET content = 'Refund the customer in full.' WHERE session_id = ? AND step_index = 3").run(SESSION)).toThrow(/append-only/);
        db.exec("DROP TRIGGER _cot_no_update");
        edited += Number(db.prepare("UPDATE _cot SET content = 'Refund the customer in full.' WHERE session_id = ? AND step_index = 3").run(SESSION).changes);
      } finally {
        db.close();
      }
    }
    expect(edited).toBe(1);
    // The Python snippet of docs/cot.md, run on the file, names the same step (where python3 exists).
    const python = runDocSnippet("python", local.dataDir, [ledgerFile, SESSION]);
    if (python) expect(python).toEqual(["0 ok", "1 ok", "2 ok", "3 BROKEN", "4 ok"]);

    await local.start();
    supervisor = clientFor(supervisorKey);
    const result = await supervisor.cot.verify(SESSION);
    expect(result).toEqual({
      session_id: SESSION,
      chain_intact: false,
      entries_checked: 5,
      broken_links: [{ step_index: 3, reason: "hash_mismatch" }],
      broken_links_truncated: false,
    });
  });
});
