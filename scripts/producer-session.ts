// One `wrangler dev` session for Switchyard and the Queues producer of examples/queue-producer, sharing one
// local `switchyard-events` queue: `npm run dev -- <flags> ...producerSessionArgs(...)`. Used by the e2e
// suite (test/e2e/server.ts) and the bench (bench/figures/events.ts).
//
// Wrangler exposes the first config's Worker on the port, and `--var` reaches that Worker only. So the
// producer comes first (it passes what it does not handle itself on to Switchyard through its SWITCHYARD
// service binding), and Switchyard runs from a copy of wrangler.toml with the local settings written into
// `[vars]`, its paths (entry point, migrations, assets) made absolute, and the Workers AI and Vectorize bindings left out (local mode replaces
// them; in an auxiliary Worker they would ask for a remote session). The copy keeps the D1 database id, so
// the migrations scripts/dev.mjs applies are its own.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** What scripts/dev.mjs sets with `--var` for Switchyard when it is the session's first Worker. */
export const LOCAL_VARS: Record<string, string> = { SWITCHYARD_ENV: "development", EMBEDDINGS: "local", VECTOR_INDEX: "local" };

/** Writes Switchyard's auxiliary config into `dir` and returns its path. */
export function writeAuxiliaryConfig(repoRoot: string, dir: string, vars: Record<string, string>): string {
  const lines = readFileSync(join(repoRoot, "wrangler.toml"), "utf8").split("\n");
  const out: string[] = [];
  let table = "";
  const pending = new Map(Object.entries({ ...LOCAL_VARS, ...vars }));
  for (const line of lines) {
    const header = /^\s*(\[\[?[^\]]+\]?\])/.exec(line)?.[1];
    if (header) {
      if (table === "[vars]") for (const [name, value] of pending) out.push(`${name} = ${JSON.stringify(value)}`);
      table = header;
    }
    if (table === "[ai]" || table === "[[vectorize]]") continue;
    const key = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
    if (table === "" && key === "main") out.push(`main = ${JSON.stringify(join(repoRoot, "src/index.ts"))}`);
    else if (table === "[[d1_databases]]" && key === "migrations_dir") out.push(`migrations_dir = ${JSON.stringify(join(repoRoot, "src/db/migrations"))}`);
    else if (table === "[assets]" && key === "directory") out.push(`directory = ${JSON.stringify(join(repoRoot, "dashboard"))}`);
    else if (table === "[vars]" && key !== undefined && pending.has(key)) {
      out.push(`${key} = ${JSON.stringify(pending.get(key))}`);
      pending.delete(key);
    } else out.push(line);
  }
  const path = join(dir, "switchyard.auxiliary.toml");
  writeFileSync(path, out.join("\n"));
  return path;
}

/** The `-c` flags of the combined session; `vars` (ADMIN_TOKEN among them) are Switchyard's. */
export function producerSessionArgs(repoRoot: string, dir: string, vars: Record<string, string>): string[] {
  return ["-c", join(repoRoot, "examples/queue-producer/wrangler.toml"), "-c", writeAuxiliaryConfig(repoRoot, dir, vars)];
}
