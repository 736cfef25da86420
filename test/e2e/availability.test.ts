// Issue 11, item 2, shown against a real `npm run dev`: while one agent keeps sending statements that
// would run without end (a recursive CTE without a bound, a cross join of json_each sources, a join of
// large tables, on main and on a branch), every one of them ends at once with a 422 that says how to
// rewrite it, and the other agents' requests keep being answered quickly.
import { beforeAll, describe, expect, it } from "vitest";
import type { Switchyard } from "../../clients/typescript/index.ts";
import { SwitchyardError } from "../../clients/typescript/index.ts";
import { localServer } from "./server.ts";

const ATTACK_MS = 8_000;
const hundred = JSON.stringify(Array.from({ length: 100 }, (_, i) => i));
const RUNAWAYS = [
  "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c",
  `SELECT count(*) FROM json_each('${hundred}') a, json_each('${hundred}') b, json_each('${hundred}') c, json_each('${hundred}') d`,
  "SELECT count(*) FROM big a, big b, big c",
  "SELECT (SELECT count(*) FROM big b WHERE b.n > a.n) FROM big a",
];

const p99 = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))]!;

describe("availability during a runaway attempt", () => {
  const local = localServer();
  let attacker: Switchyard;
  let reader: Switchyard;
  let victims: { id: string; client: Switchyard }[];

  beforeAll(async () => {
    const admin = local.admin();
    const key = async (agent_id: string, role: "agent" | "reader" = "agent") => {
      await admin.agents.create({ agent_id, role });
      return local.client((await admin.agents.keys.create(agent_id)).api_key);
    };
    attacker = await key("attacker");
    reader = await key("curious-reader", "reader");
    victims = await Promise.all(["victim-1", "victim-2", "victim-3"].map(async (id) => ({ id, client: await key(id) })));
    await attacker.query("CREATE TABLE big (n INTEGER PRIMARY KEY, v TEXT)");
    await attacker.query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 20000) INSERT INTO big SELECT x, 'v' || x FROM c");
    await victims[0]!.client.query("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
  });

  /** The other agents' everyday requests until `until`: their latencies, and anything that failed. */
  async function everyday(until: number) {
    const latencies: number[] = [];
    const failures: string[] = [];
    const work = async ({ id, client }: { id: string; client: Switchyard }) => {
      for (let i = 0; Date.now() < until; i++) {
        const started = performance.now();
        try {
          if (i % 3 === 0) await client.state.set(id, "progress", { step: i });
          else if (i % 3 === 1) await client.memory.store({ agent_id: id, content: `observation ${i} of ${id}` });
          else await client.query("SELECT count(*) AS n FROM notes");
        } catch (err) {
          failures.push(`${id}: ${String(err)}`);
        }
        latencies.push(performance.now() - started);
      }
    };
    await Promise.all(victims.map(work));
    return { latencies, failures };
  }

  it("ends every attempt with a 422 while the other agents' p99 stays under a second", async () => {
    const branch = await attacker.branches.create({ label: "runaway" });
    const quiet = await everyday(Date.now() + 3_000);
    const until = Date.now() + ATTACK_MS;
    const refusals: { status: number; code: string; ms: number }[] = [];
    const attempt = async (run: () => Promise<unknown>) => {
      const started = performance.now();
      try {
        await run();
        refusals.push({ status: 200, code: "ran", ms: performance.now() - started });
      } catch (err) {
        if (!(err instanceof SwitchyardError)) throw err;
        refusals.push({ status: err.status, code: err.code, ms: performance.now() - started });
      }
    };
    const attack = async () => {
      for (let i = 0; Date.now() < until; i++) {
        const sql = RUNAWAYS[i % RUNAWAYS.length]!;
        await attempt(() => attacker.query(sql));
        await attempt(() => attacker.branches.query(branch.branch_id, { sql }));
        await attempt(() => reader.query(RUNAWAYS[1]!));
      }
    };
    const [, , { latencies, failures }] = await Promise.all([attack(), attack(), everyday(until)]);

    expect(failures).toEqual([]);
    expect(latencies.length).toBeGreaterThan(50);
    expect(p99(latencies)).toBeLessThan(1_000);
    expect(refusals.length).toBeGreaterThan(10);
    for (const r of refusals) expect(r, JSON.stringify(r)).toMatchObject({ status: 422, code: "unprocessable" });
    expect(Math.max(...refusals.map((r) => r.ms))).toBeLessThan(1_000);
    console.log(
      `availability: ${latencies.length} requests by other agents during the attempts, p99 ${p99(latencies).toFixed(0)} ms ` +
        `(${quiet.latencies.length} before them, p99 ${p99(quiet.latencies).toFixed(0)} ms); ${refusals.length} runaway attempts, all 422, ` +
        `slowest ${Math.max(...refusals.map((r) => r.ms)).toFixed(0)} ms`,
    );
  });
});
