import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { producerSessionArgs } from "../scripts/producer-session.ts";
import { freePort, startServer, stopAll } from "./lib/servers.ts";
import { expectJson, request, timedRequest } from "./lib/http.ts";
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dir = mkdtempSync(join(tmpdir(), "sy-qprobe-"));
const token = "probe-admin";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
try {
  const port = await freePort();
  const s = await startServer({ name: "s", command: process.execPath, args: ["scripts/dev.mjs", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", join(dir, "d"), "--inspector-port", String(await freePort()), ...producerSessionArgs(root, dir, { ADMIN_TOKEN: token })], cwd: root, port, logFile: join(dir, "log"), startupSeconds: 180 });
  const api = s.base;
  await expectJson({ method: "POST", url: `${api}/v1/agents`, key: token, body: JSON.stringify({ agent_id: "w" }) }, 201);
  await expectJson({ method: "POST", url: `${api}/v1/agents/w/versions`, key: token, body: JSON.stringify({ version: "1.0.0" }) }, 201);
  await request({ method: "PUT", url: `${api}/v1/workflows/wf`, key: token, body: JSON.stringify({ agents: [{ name: "w", version: "1.0.0" }], coordination: { pattern: "event-driven", events: [{ type: "with.run", agents: ["w"] }] } }) });
  const count = async (type: string) => (await expectJson<{ rows: { n: number }[] }>({ method: "POST", url: `${api}/v1/query`, key: token, body: JSON.stringify({ sql: `SELECT COUNT(*) AS n FROM _events WHERE type = '${type}'` }) })).rows[0]!.n;
  for (const [type, total] of [["no.run", 500], ["with.run", 500]] as const) {
    const t0 = performance.now();
    for (let b = 0; b < total / 100; b++) await timedRequest({ method: "POST", url: `${api}/publish`, body: JSON.stringify(Array.from({ length: 100 }, (_, j) => ({ type, event_id: `${type}-${b * 100 + j}`, data: { j } }))) });
    const sent = performance.now();
    let n = 0;
    while ((n = await count(type)) < total && performance.now() - t0 < 240_000) await sleep(200);
    const t = (performance.now() - t0) / 1000;
    console.log(`${type}: sent in ${((sent - t0) / 1000).toFixed(2)} s, ${n} stored in ${t.toFixed(1)} s → ${(n / t).toFixed(0)}/s`);
  }
  console.log((await import("node:fs")).readFileSync(join(dir, "log"), "utf8").split("\n").filter((l) => /queue|batch|Error|error/i.test(l)).slice(-20).join("\n"));
} finally {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
}
