import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { api } from "../helpers";
import { branchQuery, branchWrite, mainRows, mainTable, merge, newBranch } from "./helpers";
import {
  type Edit,
  type Keyed,
  type KeylessEdit,
  applyKeyed,
  applyKeyless,
  expectedKeyed,
  expectedKeyless,
  keyedBase,
  keyedEdits,
  keylessEdits,
  keylessRows,
  strategies,
  tallyOf,
} from "./merge-model";

async function editMain(keyed: string, bag: string, edits: Edit[], bagEdits: KeylessEdit[]) {
  const statements = [
    ...edits.map((e) =>
      e.op === "put"
        ? env.DB.prepare(`INSERT INTO "${keyed}" (id, v, w) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET v = excluded.v, w = excluded.w`).bind(e.id, e.v, e.w)
        : env.DB.prepare(`DELETE FROM "${keyed}" WHERE id = ?`).bind(e.id),
    ),
    ...bagEdits.map((e) =>
      e.op === "add" ? env.DB.prepare(`INSERT INTO "${bag}" (v) VALUES (?)`).bind(e.v) : env.DB.prepare(`DELETE FROM "${bag}" WHERE rowid IN (SELECT rowid FROM "${bag}" WHERE v = ? LIMIT 1)`).bind(e.v),
    ),
  ];
  if (statements.length) await env.DB.batch(statements);
}

async function editBranch(id: string, keyed: string, bag: string, edits: Edit[], bagEdits: KeylessEdit[]) {
  for (const e of edits) {
    const res = e.op === "put" ? await branchWrite(id, keyed, [{ id: e.id, v: e.v, w: e.w }], "upsert") : await branchQuery(id, `DELETE FROM ${keyed} WHERE id = ?`, [e.id]);
    expect(res.status).toBe(200);
  }
  for (const e of bagEdits) {
    const res =
      e.op === "add" ? await branchQuery(id, `INSERT INTO ${bag} (v) VALUES (?)`, [e.v]) : await branchQuery(id, `DELETE FROM ${bag} WHERE rowid IN (SELECT rowid FROM ${bag} WHERE v = ? LIMIT 1)`, [e.v]);
    expect(res.status).toBe(200);
  }
}

describe("merges through the branch object and D1 equal the reference model", () => {
  it("for random edits on main and on the branch, with every strategy", async () => {
    await fc.assert(
      fc.asyncProperty(keyedBase, keyedEdits, keyedEdits, keylessRows, keylessEdits, keylessEdits, strategies, async (baseRows, mainEdits, branchEdits, bagBase, bagMain, bagBranch, strategy) => {
        const keyed = await mainTable((n) => `CREATE TABLE "${n}" (id INTEGER PRIMARY KEY, v INTEGER, w TEXT)`, baseRows.map((r) => [r.id, r.v, r.w]), "pk");
        const bag = await mainTable((n) => `CREATE TABLE "${n}" (v INTEGER)`, bagBase.map((v) => [v]), "bag");
        const id = await newBranch();
        // One statement takes both tables, in one D1 batch.
        expect((await branchQuery(id, `SELECT count(*) AS n FROM ${keyed} JOIN ${bag}`)).status).toBe(200);
        await editBranch(id, keyed, bag, branchEdits, bagBranch);
        await editMain(keyed, bag, mainEdits, bagMain);

        const base: Keyed = new Map(baseRows.map((r) => [r.id, r]));
        const before = { keyed: await mainRows(keyed, "id"), bag: await mainRows(bag, "v") };
        const wantKeyed = expectedKeyed(base, applyKeyed(base, mainEdits), applyKeyed(base, branchEdits), strategy);
        const wantBag = expectedKeyless(bagBase, applyKeyless(bagBase, bagMain), applyKeyless(bagBase, bagBranch), strategy);
        const res = await merge(id, { strategy });
        expect(res.status).toBe(200);
        if (wantKeyed === null || wantBag === null) {
          expect(res.body.status).toBe("conflicted");
          expect({ keyed: await mainRows(keyed, "id"), bag: await mainRows(bag, "v") }).toEqual(before);
          expect((await api("GET", `/v1/branches/${id}`)).body.status).toBe("open");
          return;
        }
        expect(res.body.status).toBe("merged");
        expect(await mainRows(keyed, "id")).toEqual([...wantKeyed.values()].sort((a, b) => Number(a.id) - Number(b.id)));
        expect(Object.fromEntries(tallyOf((await mainRows(bag, "v")).map((r) => r.v as number)))).toEqual(Object.fromEntries(wantBag));
      }),
      { numRuns: 15 },
    );
  }, 120_000);
});
