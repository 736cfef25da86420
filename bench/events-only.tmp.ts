import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { benchEvents } from "./figures/events.ts";
import { loadConfig } from "./lib/config.ts";
import type { BenchContext } from "./lib/context.ts";
import { textTable } from "./lib/report.ts";
import { freePort, startServer, stopAll } from "./lib/servers.ts";
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const tmp = mkdtempSync(join(tmpdir(), "sy-evbench-"));
const config = loadConfig();
const adminToken = `sy_admin_bench_${randomBytes(8).toString("hex")}`;
try {
  const port = await freePort();
  const api = await startServer({ name: "api", command: process.execPath, args: ["scripts/dev.mjs", "--port", String(port), "--ip", "127.0.0.1", "--inspector-port", String(await freePort()), "--persist-to", join(tmp, "d"), "--var", `ADMIN_TOKEN:${adminToken}`], cwd: root, port, logFile: join(tmp, "api.log"), startupSeconds: 180 });
  const notes: string[] = [];
  const ctx: BenchContext = { root, api: api.base, floor: api.base, adminToken, config, notes, watch: (_l, f) => f() };
  const out = await benchEvents(ctx);
  console.log(textTable({ machine: { cpus: 0 } as never, command: "", config, durationSeconds: 0, loadAtEnd: "", rows: out.rows, seeding: [], recall: { status: "pending", reason: "" }, diagnosis: out.diagnosis, notes } as never));
  console.log(out.diagnosis.join("\n"));
  console.log(notes.join("\n"));
} finally {
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });
}
