/**
 * Starts the servers the bench measures as their own process groups, waits for GET /health, and stops
 * every group it started (SIGTERM, then SIGKILL), also when the bench fails or is interrupted.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname } from "node:path";

export type Server = { name: string; base: string; port: number; pid: number; logFile: string };

type Started = { server: Server; child: ChildProcess; exited: boolean };
const started = new Set<Started>();

/** A port the OS just handed out on 127.0.0.1 (closed again at once, for the server to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

export function logTail(logFile: string, lines = 40): string {
  try {
    return readFileSync(logFile, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export type StartOptions = {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  port: number;
  logFile: string;
  startupSeconds: number;
};

export async function startServer(options: StartOptions): Promise<Server> {
  const log = openSync(options.logFile, "a");
  // Node 22 (this process's) first on PATH, as scripts/node-env.sh does: wrangler needs it.
  const path = `${dirname(process.execPath)}:${process.env.PATH ?? ""}`;
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    detached: true, // its own process group: stopping it stops npx, wrangler and workerd together
    stdio: ["ignore", log, log],
    env: { ...process.env, PATH: path, WRANGLER_SEND_METRICS: "false" },
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`${options.name}: could not spawn ${options.command}`);
  const server: Server = { name: options.name, base: `http://127.0.0.1:${options.port}`, port: options.port, pid: child.pid, logFile: options.logFile };
  const entry: Started = { server, child, exited: false };
  started.add(entry);
  child.once("exit", () => {
    entry.exited = true;
  });
  await waitHealthy(entry, options.startupSeconds);
  return server;
}

/** wrangler dev stays up after a failed build, waiting for a fix: that is a failure here, not a wait. */
function buildFailed(logFile: string): boolean {
  try {
    return /Build failed|No such module|Could not resolve/.test(readFileSync(logFile, "utf8"));
  } catch {
    return false;
  }
}

async function waitHealthy(entry: Started, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (entry.exited) throw new Error(`${entry.server.name} exited before it was healthy. Log tail:\n${logTail(entry.server.logFile)}`);
    if (buildFailed(entry.server.logFile)) throw new Error(`${entry.server.name} failed to build. Log tail:\n${logTail(entry.server.logFile)}`);
    try {
      const res = await fetch(`${entry.server.base}/health`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet: poll again
    }
    await sleep(250);
  }
  throw new Error(`${entry.server.name} did not answer GET /health within ${seconds} s. Log tail:\n${logTail(entry.server.logFile)}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** Stops one server this bench started (a figure's own session), as stopAll does. */
export async function stopServer(server: Server): Promise<void> {
  await stopEntries([...started].filter((e) => e.server === server));
}

/** Stops every process group this bench started: SIGTERM, up to 8 s to exit, then SIGKILL. */
export async function stopAll(): Promise<void> {
  await stopEntries([...started]);
}

async function stopEntries(entries: Started[]): Promise<void> {
  for (const e of entries) signalGroup(e.server.pid, "SIGTERM");
  const deadline = Date.now() + 8000;
  while (entries.some((e) => groupAlive(e.server.pid)) && Date.now() < deadline) await sleep(100);
  for (const e of entries) {
    if (groupAlive(e.server.pid)) signalGroup(e.server.pid, "SIGKILL");
    started.delete(e);
  }
}

/** Last resort from a synchronous `exit` handler: no waiting possible, so SIGKILL what is left. */
export function killAllNow(): void {
  for (const e of started) signalGroup(e.server.pid, "SIGKILL");
  started.clear();
}

/**
 * How often wrangler dev has rebuilt and restarted the Worker since it started: it watches the source
 * tree, so an edit by anyone during a run restarts the server (and empties its in-memory caches).
 */
export function reloadCount(server: Server): number {
  try {
    return readFileSync(server.logFile, "utf8").split("Reloading local server").length - 1;
  } catch {
    return 0;
  }
}
