/** What the figures were measured on, written next to them. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, freemem, loadavg, release, totalmem, type } from "node:os";
import { join } from "node:path";

export type MachineInfo = {
  date: string;
  nproc: string;
  cpu: string;
  memory: string;
  os: string;
  node: string;
  wrangler: string;
  commit: string;
  loadAtStart: string;
};

function run(command: string, args: string[], cwd: string): string | undefined {
  try {
    return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

export function machineInfo(root: string): MachineInfo {
  let wrangler = "unknown";
  try {
    wrangler = (JSON.parse(readFileSync(join(root, "node_modules/wrangler/package.json"), "utf8")) as { version: string }).version;
  } catch {
    // not installed where expected: the figure stays "unknown"
  }
  const head = run("git", ["rev-parse", "--short", "HEAD"], root) ?? "unknown";
  const dirty = run("git", ["status", "--porcelain", "--untracked-files=no"], root);
  return {
    date: new Date().toISOString(),
    nproc: run("nproc", [], root) ?? String(availableParallelism()),
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    memory: `${gib(totalmem())} total, ${gib(freemem())} free at start`,
    os: `${type()} ${release()}`,
    node: process.version,
    wrangler,
    commit: dirty ? `${head} (with uncommitted changes)` : head,
    loadAtStart: loadavg().map((l) => l.toFixed(2)).join(", "),
  };
}

export const currentLoad = () => loadavg().map((l) => l.toFixed(2)).join(", ");
