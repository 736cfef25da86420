// The Python client (clients/python), as a Python user runs it: its unit tests, its install with pip, and
// its unittest suites against a real `npm run dev` — the five HatiData patterns of the seed, with the
// seed's code changed only in its import line and client construction, every part-1 resource, and the
// Datafi seed's coordination (each agent a Python worker loop), versions, A/B tests, events and dry runs.
// The agents, keys and the seed's write-restriction policy are made here with the TypeScript client; the
// Python side gets the URL and the keys as environment variables, and runs with no install
// (PYTHONPATH=clients/python).
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { localServer } from "./server.ts";

const PYTHON_CLIENT = fileURLToPath(new URL("../../clients/python", import.meta.url));
const PYTHON = process.env.SWITCHYARD_TEST_PYTHON ?? "python3";
const PYTHON_TIMEOUT_MS = 150_000;

interface PythonRun {
  code: number | null;
  output: string;
}

/** Runs python3 with `args` in clients/python, its stdout and stderr interleaved as they came. */
function python(args: string[], env: Record<string, string> = {}, cwd = PYTHON_CLIENT, interpreter = PYTHON): Promise<PythonRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(interpreter, args, {
      cwd,
      env: { ...process.env, PYTHONPATH: PYTHON_CLIENT, PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), PYTHON_TIMEOUT_MS);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${interpreter} (is Python 3.9+ on PATH?): ${err.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The first of python3 and Debian's /usr/bin/python3 that can build a wheel offline (setuptools and wheel). */
async function pythonWithBuildTools(): Promise<string> {
  const candidates = [process.env.SWITCHYARD_TEST_PIP_PYTHON, PYTHON, "/usr/bin/python3"].filter((p): p is string => Boolean(p));
  for (const candidate of candidates) {
    const probe = await python(["-c", "import setuptools, wheel"], {}, PYTHON_CLIENT, candidate).catch(() => undefined);
    if (probe?.code === 0) return candidate;
  }
  throw new Error(`none of ${candidates.join(", ")} has setuptools and wheel, which pip needs to build the client offline; set SWITCHYARD_TEST_PIP_PYTHON to one that has`);
}

/** A unittest run must pass, run exactly `tests` tests and skip none; otherwise its whole output is the error. */
function expectPassed(run: PythonRun, tests: number) {
  const ran = /^Ran (\d+) tests? in /m.exec(run.output)?.[1];
  const verdict = /^(OK|FAILED)\b.*$/m.exec(run.output)?.[0];
  if (run.code !== 0 || Number(ran) !== tests || verdict !== "OK") {
    throw new Error(`python3 -m unittest exited ${run.code}, ran ${ran ?? "no"} tests (expected ${tests}), verdict ${verdict ?? "none"}. Its output:\n${run.output}`);
  }
}

describe("the Python client on its own", () => {
  it("passes its unit tests (fake transport, worker loop, records), with warnings as errors", async () => {
    const run = await python(["-W", "error", "-m", "unittest", "discover", "-s", "tests", "-t", "."]);
    const ran = Number(/^Ran (\d+) tests/m.exec(run.output)?.[1]);
    if (run.code !== 0 || !(ran >= 70)) throw new Error(`unit tests exited ${run.code} after ${ran} tests:\n${run.output}`);
    expect(run.output).toMatch(/^OK$/m);
  });

  it("installs with pip, offline, as a typed package", async () => {
    // Offline, pip cannot fetch the build backend (setuptools), so it builds with the one installed:
    // --no-build-isolation, from an interpreter that has setuptools and wheel (Debian's python3 does).
    const builder = await pythonWithBuildTools();
    // From a copy: setuptools builds in the source tree (build/, *.egg-info), which stays clean this way.
    const work = mkdtempSync(join(tmpdir(), "switchyard-pip-"));
    try {
      const source = join(work, "source");
      cpSync(PYTHON_CLIENT, source, { recursive: true, filter: (from) => !from.includes("__pycache__") });
      const target = join(work, "site");
      const install = await python(["-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-index", "--no-deps", "--no-cache-dir", "--target", target, source], {}, work, builder);
      if (install.code !== 0) throw new Error(`pip install failed:\n${install.output}`);
      const installed = readdirSync(join(target, "switchyard")).sort();
      expect(installed).toEqual(expect.arrayContaining(["__init__.py", "client.py", "py.typed", "resources", "transport.py", "worker.py"]));
      expect(installed).not.toContain("tests");
      expect(existsSync(join(target, "tests"))).toBe(false);
      const check = await python(
        ["-c", "import switchyard, sys; c = switchyard.Client(api_key='sy_x', base_url='http://localhost:8787'); print(switchyard.__version__, switchyard.__file__, type(c).__name__)"],
        { PYTHONPATH: target },
        work,
      );
      expect(check.code, check.output).toBe(0);
      expect(check.output).toContain(`0.1.0 ${join(target, "switchyard", "__init__.py")} Client`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe("the Python client against a real server", () => {
  const local = localServer();
  const env: Record<string, string> = {};

  beforeAll(async () => {
    const admin = local.admin();
    const agents = [
      ["agent-a", "agent", "AGENT_A_KEY"],
      ["agent-b", "agent", "AGENT_B_KEY"],
      ["agent-c", "agent", "AGENT_C_KEY"],
      ["coordinator", "agent", "COORDINATOR_KEY"],
      ["pipeline-agent-a", "agent", "PIPELINE_AGENT_A_KEY"],
      ["pipeline-agent-b", "agent", "PIPELINE_AGENT_B_KEY"],
      ["supervisor", "reader", "SUPERVISOR_KEY"],
    ] as const;
    for (const [agent_id, role, variable] of agents) {
      await admin.agents.create({ agent_id, role });
      env[variable] = (await admin.agents.keys.create(agent_id)).api_key;
    }
    // The seed's advice for pattern 1: only designated writers populate the shared namespace.
    await admin.policies.create({
      policy_id: "only-agent-a-writes-kb",
      effect: "deny",
      actions: ["memory:write"],
      resources: ["memory:shared-knowledge-base"],
      condition: 'subject.agent_id != "agent-a"',
    });
    env.SWITCHYARD_URL = local.server.baseUrl;
    env.SWITCHYARD_ADMIN_TOKEN = local.server.adminToken;
  });

  it("runs the seed's five HatiData patterns", async () => {
    const run = await python(["-m", "unittest", "-v", "tests.e2e.hatidata_patterns"], env);
    expectPassed(run, 5);
    expect(run.output).toContain("seed printed: Agent B received: Customer segment 'enterprise' has 42% higher LTV than mid-market.");
    expect(run.output).toContain("seed printed: [ALERT] Agent agent-c had 11 denied queries in the last hour");
    expect(run.output).toContain("seed printed: Agent B resuming from: cleaned_transactions_2026_q1");
  });

  it("drives every part-1 resource, with the contract's errors and idempotency", async () => {
    expectPassed(await python(["-m", "unittest", "-v", "tests.e2e.client_against_server"], env), 11);
  });

  it("runs the seed's coordination patterns with Python worker loops: hierarchical, message-passing, shared state, event-driven", async () => {
    const run = await python(["-m", "unittest", "-v", "tests.e2e.coordination_patterns"], env);
    expectPassed(run, 4);
    expect(run.output).toMatch(/test_three_python_workers_report_and_the_supervisor_synthesises_all_three .*\.\.\. ok/);
    expect(run.output).toMatch(/test_the_chain_runs_and_a_refused_output_is_corrected_by_its_handler .*\.\.\. ok/);
  });

  it("publishes, resolves, promotes and deprecates versions, starts the seed's A/B test from YAML, and dry-runs workflows", async () => {
    expectPassed(await python(["-m", "unittest", "-v", "tests.e2e.catalog_and_testing"], env), 6);
  });
});
