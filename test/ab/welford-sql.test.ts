import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { momentsOf, welfordSetClause } from "../../src/ab/moments";

// The single-statement Welford update, run by D1 itself: the same moments as the TypeScript path, also
// when 50 updates race.

const TABLE = "ab_welford_check";

async function freshRow(key: string): Promise<void> {
  await env.DB.prepare(`CREATE TABLE IF NOT EXISTS ${TABLE} (k TEXT PRIMARY KEY, count INTEGER NOT NULL, mean REAL NOT NULL, m2 REAL NOT NULL)`).run();
  await env.DB.prepare(`INSERT INTO ${TABLE} (k, count, mean, m2) VALUES (?1, 0, 0, 0)`).bind(key).run();
}

const update = (key: string, x: number) =>
  env.DB.prepare(`UPDATE ${TABLE} SET ${welfordSetClause({ count: "count", mean: "mean", m2: "m2" }, "?1")} WHERE k = ?2`).bind(x, key).run();

const read = (key: string) => env.DB.prepare(`SELECT count, mean, m2 FROM ${TABLE} WHERE k = ?1`).bind(key).first<{ count: number; mean: number; m2: number }>();

describe("Welford in one SQL UPDATE", () => {
  it("gives the same moments as the TypeScript path, integers included (no integer division)", async () => {
    await freshRow("seq");
    const values = [1200, 3400, 5600, 7, 1e9, 42.5, 0, 3];
    for (const x of values) await update("seq", x);
    const row = await read("seq");
    const expected = momentsOf(values);
    expect(row?.count).toBe(expected.count);
    expect(row?.mean).toBeCloseTo(expected.mean, 6);
    expect(Math.abs((row?.m2 ?? 0) - expected.m2) / expected.m2).toBeLessThan(1e-12);
  });

  it("loses no update when 50 race", async () => {
    await freshRow("race");
    const values = Array.from({ length: 50 }, (_, i) => 100 + ((i * 37) % 50));
    await Promise.all(values.map((x) => update("race", x)));
    const row = await read("race");
    const expected = momentsOf(values);
    expect(row?.count).toBe(50);
    expect(row?.mean).toBeCloseTo(expected.mean, 9);
    expect(row?.m2).toBeCloseTo(expected.m2, 6);
  });

  it("accepts only plain column names and a ? placeholder", () => {
    expect(() => welfordSetClause({ count: "n; DROP TABLE x", mean: "mean", m2: "m2" }, "?1")).toThrow(RangeError);
    expect(() => welfordSetClause({ count: "count", mean: "mean", m2: "m2" }, "1); --")).toThrow(RangeError);
  });
});
