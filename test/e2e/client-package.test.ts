// The TypeScript client as a user gets it: `npm pack` on clients/typescript (which builds dist/ with tsc),
// the tarball installed into an empty project, imported from plain JavaScript and type-checked from a
// TypeScript consumer against the packed .d.ts. No server: a fake fetch answers.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLIENT = join(ROOT, "clients/typescript");
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

interface Packed {
  filename: string;
  files: { path: string }[];
}

const run = (command: string, args: string[], cwd: string) => execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Runs tsc and returns its output, failing the test with the compiler's messages. */
function typeCheck(project: string): string {
  try {
    return run(process.execPath, [TSC, "-p", project], project);
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`tsc failed:\n${stdout ?? ""}${stderr ?? ""}`);
  }
}

const CONSUMER_JS = `
import { Switchyard, SwitchyardError, paginate } from "@switchyard/client";

const sent = [];
const fetch = async (url, init) => {
  sent.push({ url, method: init.method, authorization: new Headers(init.headers).get("authorization") });
  if (url.endsWith("/v1/whoami")) return Response.json({ agent_id: "researcher", role: "agent" });
  return Response.json({ error: { code: "forbidden", message: "no" } }, { status: 403 });
};
const client = new Switchyard({ baseUrl: "http://switchyard.test", apiKey: "sy_test", fetch, maxRetries: 0 });
const me = await client.whoami();
let error;
try {
  await client.events.publish({ type: "data.loaded", data: {} });
} catch (err) {
  error = { isSwitchyardError: err instanceof SwitchyardError, status: err.status, code: err.code };
}
let deepImport;
try {
  await import("@switchyard/client/dist/transport.js");
  deepImport = "allowed";
} catch (err) {
  deepImport = err.code;
}
console.log(JSON.stringify({ me, error, sent, paginate: typeof paginate, deepImport }));
`;

const CONSUMER_TS = `
import { Switchyard, SwitchyardError, type Memory, type PublishedEvent, type Run, type WorkflowDocument } from "@switchyard/client";

const client = new Switchyard({ baseUrl: "http://localhost:8787", apiKey: process.env.SWITCHYARD_API_KEY ?? "" });

export async function main(): Promise<string[]> {
  const published: PublishedEvent = await client.events.publish({ type: "data.loaded", source: "sales_warehouse", data: { table: "orders" } });
  const runIds: string[] = published.runs.map((r) => r.run_id);
  const memory: Memory = await client.memory.store({ agent_id: "shared-knowledge-base", content: "LTV is up", metadata: { confidence: 0.9 } });
  const run: Run = await client.runs.get(runIds[0] ?? "run_x");
  const status: "running" | "succeeded" | "failed" | "timed_out" | "cancelled" = run.status;
  const { results } = await client.memory.search({ agent_id: "shared-knowledge-base", query: "LTV", top_k: 5 });
  const score: number | undefined = results[0]?.score;
  const document: WorkflowDocument = { coordination: { pattern: "message-passing", flow: [{ from: "a", to: "b" }] } };
  // @ts-expect-error: a role the contract does not have (this line fails the check if the types are any)
  await client.agents.create({ agent_id: "a", role: "owner" });
  try {
    await client.state.get("researcher", "phase1_output");
  } catch (err) {
    if (err instanceof SwitchyardError) return [err.code, err.message];
  }
  return [memory.memory_id, status, String(score), JSON.stringify(document)];
}

declare const process: { env: Record<string, string | undefined> };
`;

describe("the TypeScript client as an npm package", () => {
  let work: string;
  let packed: Packed;
  let project: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "switchyard-client-package-"));
    // --ignore-scripts=false: packing runs `prepare`, the tsc build of dist/.
    const [answer] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", work, "--ignore-scripts=false"], CLIENT)) as Packed[];
    if (!answer) throw new Error("npm pack reported no tarball");
    packed = answer;
    project = join(work, "consumer");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", join(work, packed.filename)], project);
  }, 90_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("packs the built JavaScript and declarations with the README, and nothing else", () => {
    const files = packed.files.map((f) => f.path).sort();
    expect(files).toEqual(expect.arrayContaining(["package.json", "README.md", "dist/index.js", "dist/index.d.ts", "dist/api-types.d.ts", "dist/resources/events.js"]));
    for (const file of files) expect(file, file).toMatch(/^(package\.json|README\.md|dist\/.+\.(js|d\.ts))$/);
  });

  it("installs with no runtime dependency, and imports only its own files", () => {
    const installed = join(project, "node_modules/@switchyard/client");
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
    expect(manifest).toMatchObject({ name: "@switchyard/client", type: "module", exports: { ".": { types: "./dist/index.d.ts", import: "./dist/index.js" } } });
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(readdirSync(join(project, "node_modules")).filter((d) => !d.startsWith("."))).toEqual(["@switchyard"]);
    const specifiers = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? specifiers(join(dir, entry.name))
          : [...readFileSync(join(dir, entry.name), "utf8").matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)].map((m) => `${entry.name}: ${m[1]}`),
      );
    const found = specifiers(join(installed, "dist"));
    expect(found.length).toBeGreaterThan(20);
    // Relative, and to the emitted .js (a .d.ts may not name a .ts file a consumer does not have).
    expect(found.filter((s) => !/: \.\.?\/[\w./-]+\.js$/.test(s))).toEqual([]);
  });

  it("is imported from a plain .mjs file, and works", () => {
    writeFileSync(join(project, "consumer.mjs"), CONSUMER_JS);
    const out = JSON.parse(run(process.execPath, ["consumer.mjs"], project));
    expect(out).toEqual({
      me: { agent_id: "researcher", role: "agent" },
      error: { isSwitchyardError: true, status: 403, code: "forbidden" },
      sent: [
        { url: "http://switchyard.test/v1/whoami", method: "GET", authorization: "Bearer sy_test" },
        { url: "http://switchyard.test/v1/events", method: "POST", authorization: "Bearer sy_test" },
      ],
      paginate: "function",
      deepImport: "ERR_PACKAGE_PATH_NOT_EXPORTED",
    });
  });

  it("type-checks a TypeScript consumer against the packed declarations, with skipLibCheck off", () => {
    writeFileSync(join(project, "consumer.ts"), CONSUMER_TS);
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", lib: ["ES2023", "DOM"], types: [], strict: true, noEmit: true, skipLibCheck: false },
        files: ["consumer.ts"],
      }),
    );
    expect(typeCheck(project)).toBe("");
  });
});
