// Starts and stops the local server for the e2e suite exactly as the README tells a user to:
// `npm run dev -- --port <p> --persist-to <dir> --var ADMIN_TOKEN:<token>`.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { Switchyard } from "../../clients/typescript/index.ts";
import { producerSessionArgs } from "../../scripts/producer-session.ts";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const START_TIMEOUT_MS = 150_000;
const STOP_TIMEOUT_MS = 15_000;
/** The tail of the server's output kept for failure reports. */
const MAX_LOG_CHARS = 200_000;

/** Process groups of servers still running, killed if the test process exits without stopping them. */
const running = new Set<number>();
process.on("exit", () => {
  for (const pgid of running) signalGroup(pgid, "SIGKILL");
});

export interface StartOptions {
  /** The local storage directory (`--persist-to`); start again on the same one to see the data survive. */
  persistTo: string;
  /** Default: a random free high port. */
  port?: number;
  /** Default: a random token. */
  adminToken?: string;
  /** More `--var NAME:value` settings, e.g. `{ WEBHOOK_ALLOW_PRIVATE: "true" }` for a local webhook receiver. */
  vars?: Record<string, string>;
  /**
   * Also run the Queues producer of examples/queue-producer in the same `wrangler dev` session (one local
   * `switchyard-events` queue for both). Wrangler exposes the first config's Worker on the port, so the
   * producer comes first and passes everything it does not handle itself on to Switchyard (its SWITCHYARD
   * service binding): the API answers on the same base URL, and the producer's POST /publish and
   * /ingest/warehouse-load are there too.
   */
  withQueueProducer?: boolean;
}

/** A running `npm run dev`. */
export interface DevServer {
  readonly baseUrl: string;
  readonly port: number;
  readonly persistTo: string;
  readonly adminToken: string;
  /** Everything the server printed so far (stdout and stderr, interleaved). */
  logs(): string;
  /** Stops the whole process tree (npm, dev.mjs, wrangler, workerd) and waits until it is gone. */
  stop(): Promise<void>;
}

/** A new empty directory for `--persist-to`. */
export const freshDataDir = () => mkdtemp(join(tmpdir(), "switchyard-e2e-"));
export const removeDataDir = (dir: string) => rm(dir, { recursive: true, force: true });

/**
 * Starts the server and resolves once `GET /health` answers; rejects with its logs if it does not. Two
 * files run at once, so a port found free here (the server's, or one wrangler picks for its own sockets)
 * can be taken by the other file's server before this one binds it: then it starts again, on another
 * port unless the caller chose one (a restart keeps its port), after a moment.
 */
export async function startServer(options: StartOptions): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, options.port ?? (await freeHighPort()));
    } catch (error) {
      const taken = error instanceof Error && error.message.includes("Address already in use");
      if (!taken || attempt >= 4) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}

async function startOnce(options: StartOptions, port: number): Promise<DevServer> {
  const adminToken = options.adminToken ?? `e2e-admin-${randomUUID()}`;
  const baseUrl = `http://127.0.0.1:${port}`;
  const vars = Object.entries(options.vars ?? {}).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  const configs = options.withQueueProducer ? producerSessionArgs(REPO_ROOT, options.persistTo, { ADMIN_TOKEN: adminToken, ...options.vars }) : [];
  const child = spawn("npm", ["run", "dev", "--", "--port", String(port), "--persist-to", options.persistTo, "--var", `ADMIN_TOKEN:${adminToken}`, ...vars, ...configs], {
    cwd: REPO_ROOT,
    env: userEnv(),
    // Its own process group: npm starts dev.mjs, which starts wrangler, which starts workerd; stopping
    // only npm would leave the server running. A negative pid signals the whole group.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error("could not spawn `npm run dev`");
  running.add(pgid);

  let output = "";
  const capture = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-MAX_LOG_CHARS);
  };
  child.stdout?.on("data", capture);
  child.stderr?.on("data", capture);
  const exited = new Promise<string>((resolve) => child.on("exit", (code, signal) => resolve(`exited with ${signal ?? `code ${code}`}`)));

  const server: DevServer = {
    baseUrl,
    port,
    persistTo: options.persistTo,
    adminToken,
    logs: () => output,
    stop: async () => {
      await stopGroup(pgid, child);
      running.delete(pgid);
    },
  };

  const ready = await Promise.race([waitForHealth(baseUrl, START_TIMEOUT_MS), exited]);
  if (ready !== true) {
    await server.stop();
    const why = ready === false ? `did not answer GET /health within ${START_TIMEOUT_MS / 1000} s` : ready;
    throw new Error(`the local server on port ${port} ${why}. Its output:\n${output}`);
  }
  return server;
}

/** Prints the server's output when a test of the calling file fails: the first thing to read then. */
export function printLogsOnFailure(server: () => DevServer | undefined) {
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      const logs = server()?.logs();
      if (logs) console.error(`--- local server output (${server()?.baseUrl}) ---\n${logs}\n--- end of server output ---`);
    });
  });
}

async function waitForHealth(baseUrl: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      // A server whose build failed accepts connections and never answers: hence a timeout per probe.
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return true;
    } catch {
      // not listening yet (or not answering yet): try again shortly
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

async function stopGroup(pgid: number, child: ChildProcess) {
  signalGroup(pgid, "SIGTERM");
  if (await groupGone(pgid, STOP_TIMEOUT_MS)) return;
  signalGroup(pgid, "SIGKILL");
  if (!(await groupGone(pgid, 5_000))) throw new Error(`the local server (process group ${pgid}) did not stop`);
  if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once("exit", resolve));
}

function signalGroup(pgid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone, which is what we want
  }
}

/** Waits until no process of the group is alive (zombies that no one reaped do not count). */
async function groupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !groupAlive(pgid);
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  if (!existsSync("/proc")) return true;
  // In a container without an init process, exited grandchildren stay as zombies and still "exist".
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid pgrp …"; comm may contain spaces, so split after ")".
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) === pgid && state !== "Z") return true;
    } catch {
      // the process ended while we looked
    }
  }
  return false;
}

/** A random port in 20000-32767: high, and below Linux's ephemeral range, where workerd binds its own. */
async function freeHighPort(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    if (await portFree(port)) return port;
  }
  throw new Error("no free port found in 20000-32767");
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

/** The environment a user's shell would give `npm run dev`: without vitest's own variables. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" };
  for (const name of Object.keys(env)) {
    if (name.startsWith("VITEST") || name === "NODE_ENV" || name === "TEST") delete env[name];
  }
  return env;
}

/**
 * The local server of one describe block: started on fresh storage before its tests (and before the
 * block's own beforeAll, which registers after this), stopped and its storage removed after them, its
 * output printed when a test fails. `stop()` then `start()` restarts it on the same storage, port and token.
 */
export function localServer(options: Omit<StartOptions, "persistTo"> = {}) {
  let running: DevServer | undefined;
  let last: DevServer | undefined;
  const local = {
    dataDir: "",
    /** The running server; throws between `stop()` and `start()`. */
    get server(): DevServer {
      if (!running) throw new Error("the local server is not running");
      return running;
    },
    client: (apiKey: string) => new Switchyard({ baseUrl: local.server.baseUrl, apiKey }),
    admin: () => local.client(local.server.adminToken),
    async start() {
      running = await startServer({ ...options, port: last?.port ?? options.port, adminToken: last?.adminToken ?? options.adminToken, persistTo: local.dataDir });
      last = running;
    },
    async stop() {
      await running?.stop();
      running = undefined;
    },
  };
  printLogsOnFailure(() => running);
  beforeAll(async () => {
    local.dataDir = await freshDataDir();
    await local.start();
  });
  afterAll(async () => {
    await local.stop();
    if (local.dataDir) await removeDataDir(local.dataDir);
  });
  return local;
}
