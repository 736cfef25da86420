import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { verifyChain } from "../../src/ledger/verify-chain";
import { api, newAgent, uniqueId } from "../helpers";
import { cotRows, documentedHash, dropLedgerTriggers, seedSession } from "./ledger-helpers";

const verify = async (session: string) => (await api("POST", `/v1/cot/${session}/verify`)).body;

async function loggedSession(steps: number) {
  const a = await newAgent();
  const session = uniqueId("tamper");
  for (let i = 0; i < steps; i++) {
    const res = await api("POST", "/v1/cot", { key: a.key, body: { session_id: session, step_type: "analysis", content: `step ${i}`, metadata: { i } } });
    expect(res.status).toBe(201);
  }
  return session;
}

// The triggers are dropped part-way through this file, so the append-only checks come first.
describe("chain-of-thought ledger: append-only in the database", () => {
  it("refuses UPDATE and DELETE on _cot, and deleting or rewinding a session, with the triggers in place", async () => {
    const session = await loggedSession(2);
    for (const sql of [
      "UPDATE _cot SET content = 'rewritten' WHERE session_id = ?",
      "DELETE FROM _cot WHERE session_id = ?",
      "DELETE FROM _cot_sessions WHERE session_id = ?",
      "UPDATE _cot_sessions SET steps = 1 WHERE session_id = ?",
    ]) {
      await expect(env.DB.prepare(sql).bind(session).run(), sql).rejects.toThrow(/append-only/);
    }
    expect((await cotRows(session)).map((r) => r.content)).toEqual(["step 0", "step 1"]);
    expect((await verify(session)).chain_intact).toBe(true);
  });
});

describe("chain-of-thought ledger: tampering done directly on D1 is found", () => {
  it("names an edited step by its index", async () => {
    const session = await loggedSession(6);
    await dropLedgerTriggers();
    await env.DB.prepare("UPDATE _cot SET content = 'nothing to see here' WHERE session_id = ? AND step_index = 3").bind(session).run();
    expect(await verify(session)).toEqual({
      session_id: session,
      chain_intact: false,
      entries_checked: 6,
      broken_links: [{ step_index: 3, reason: "hash_mismatch" }],
      broken_links_truncated: false,
    });
  });

  it("names an edited step whose hash was recomputed by the link after it", async () => {
    const session = await loggedSession(5);
    await dropLedgerTriggers();
    const row = (await cotRows(session))[2]!;
    const forged = { ...row, metadata: '{"i":999}' };
    await env.DB.prepare("UPDATE _cot SET metadata = ?, hash = ? WHERE session_id = ? AND step_index = 2").bind(forged.metadata, await documentedHash(forged), session).run();
    expect((await verify(session)).broken_links).toEqual([{ step_index: 3, reason: "prev_hash_mismatch" }]);
  });

  it("names a removed step by its index, and steps removed from the end", async () => {
    const session = await loggedSession(6);
    await dropLedgerTriggers();
    await env.DB.prepare("DELETE FROM _cot WHERE session_id = ? AND step_index = 2").bind(session).run();
    const middle = await verify(session);
    expect(middle).toMatchObject({ chain_intact: false, entries_checked: 5, broken_links: [{ step_index: 2, reason: "missing" }] });
    await env.DB.prepare("DELETE FROM _cot WHERE session_id = ? AND step_index >= 4").bind(session).run();
    expect((await verify(session)).broken_links).toEqual([
      { step_index: 2, reason: "missing" },
      { step_index: 4, reason: "truncated" },
    ]);
  });

  it("names two swapped steps at their indexes", async () => {
    const session = await loggedSession(8);
    await dropLedgerTriggers();
    // Swap steps 2 and 5 through a free index (the primary key forbids two rows at one index).
    const swap = [
      "UPDATE _cot SET step_index = 1000 WHERE session_id = ?1 AND step_index = 2",
      "UPDATE _cot SET step_index = 2 WHERE session_id = ?1 AND step_index = 5",
      "UPDATE _cot SET step_index = 5 WHERE session_id = ?1 AND step_index = 1000",
    ];
    await env.DB.batch(swap.map((sql) => env.DB.prepare(sql).bind(session)));
    expect((await cotRows(session)).map((r) => r.content)).toEqual(["step 0", "step 1", "step 5", "step 3", "step 4", "step 2", "step 6", "step 7"]);
    const result = await verify(session);
    expect(result.chain_intact).toBe(false);
    const indexes = [...new Set(result.broken_links.map((l: { step_index: number }) => l.step_index))];
    expect(indexes).toEqual([2, 3, 5, 6]);
    expect(result.broken_links).toEqual(
      expect.arrayContaining([
        { step_index: 2, reason: "hash_mismatch" },
        { step_index: 5, reason: "hash_mismatch" },
      ]),
    );
  });

  it("verifies a 12,000-step session intact, page by page, holding at most one page of rows per read", async () => {
    const session = uniqueId("long");
    const head = await seedSession(session, 12_000);
    const started = performance.now();
    const result = await verify(session);
    const ms = performance.now() - started;
    console.log(`verify 12,000 steps through the API: ${ms.toFixed(0)} ms (${Math.round(12_000 / (ms / 1000))} steps/s)`);
    expect(result).toEqual({ session_id: session, chain_intact: true, entries_checked: 12_000, broken_links: [], broken_links_truncated: false });

    // The verifier reads the same chain through a D1 that counts what each read returns.
    const reads: number[] = [];
    const counting = {
      prepare: (sql: string) => {
        const statement = env.DB.prepare(sql);
        return {
          bind: (...args: unknown[]) => {
            const bound = statement.bind(...args);
            return { raw: async () => { const rows = await bound.raw(); reads.push(rows.length); return rows; } };
          },
        };
      },
    } as unknown as D1Database;
    const session_row = { session_id: session, agent_id: "seed-agent", steps: 12_000, first_logged_at: "", last_logged_at: "", head_hash: head };
    expect((await verifyChain(counting, session, session_row, 1000)).chain_intact).toBe(true);
    expect(reads.length).toBeGreaterThanOrEqual(12);
    expect(Math.max(...reads)).toBe(1000);
  });

  it("caps the broken links it reports, and says so", async () => {
    const session = uniqueId("many");
    await seedSession(session, 300);
    await dropLedgerTriggers();
    await env.DB.prepare("UPDATE _cot SET content = content || '!' WHERE session_id = ?").bind(session).run();
    const result = await verify(session);
    expect(result).toMatchObject({ chain_intact: false, entries_checked: 300, broken_links_truncated: true });
    expect(result.broken_links).toHaveLength(100);
    expect(result.broken_links[0]).toEqual({ step_index: 0, reason: "hash_mismatch" });
  });
});
