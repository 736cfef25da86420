// The dashboard in a real browser (Debian's Chromium through playwright-core) against `npm run dev`, on
// runs that agents really ran: sign in with a pasted key, see a finished run's waterfall and dependency
// graph drawn, move the state inspector's slider back to an earlier value, read a workflow's graph and
// bottlenecks, find a route in /docs; a bad or revoked key shows a clear message and no data; the console
// stays free of errors. Screenshots go to test/artifacts/ (git-ignored); one is copied to docs/ for the README.
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, ConsoleMessage, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InboxTask, Switchyard } from "../../clients/typescript/index.ts";
import { ensureChromium, launchChromium } from "./browser.ts";
import { HIERARCHICAL, SHARED_STATE } from "../workflows/seed-blocks.ts";
import { localServer } from "./server.ts";

const ARTIFACTS = fileURLToPath(new URL("../artifacts/", import.meta.url));
const README_SHOT = fileURLToPath(new URL("../../docs/dashboard.png", import.meta.url));
const chromiumPath = ensureChromium();

const SHARED = `description: Quarterly profitability from shared state\n${SHARED_STATE}`;

const HIERARCHY = `description: Q3 review by a supervisor and three analysts\n${HIERARCHICAL}`;

const AGENTS = ["revenue-analyzer", "cost-analyzer", "profitability-summarizer", "executive-analyst", "sales-analyst", "marketing-analyst", "ops-analyst"];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(chromiumPath === null)("the dashboard in a browser", () => {
  const local = localServer();
  const clients = new Map<string, Switchyard>();
  const keys = new Map<string, string>();
  let admin: Switchyard;
  let browser: Browser;
  let sharedRun: string;
  let hierarchyRun: string;
  let readerKey: string;
  const as = (agent: string) => clients.get(agent)!;

  async function taskOf(agent: string): Promise<InboxTask> {
    for (let i = 0; i < 40; i++) {
      const { items } = await as(agent).inbox.poll(agent, { kind: "task", waitSeconds: 2 });
      const task = items.find((x): x is InboxTask => x.kind === "task");
      if (task) return task;
    }
    throw new Error(`no task for ${agent}`);
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    admin = local.admin();
    for (const agent of AGENTS) {
      await admin.agents.create({ agent_id: agent });
      await admin.versions.publish(agent, { version: "1.0.0" });
      const key = (await admin.agents.keys.create(agent)).api_key;
      keys.set(agent, key);
      clients.set(agent, local.client(key));
    }
    await admin.agents.create({ agent_id: "ops-supervisor", role: "reader" });
    readerKey = (await admin.agents.keys.create("ops-supervisor")).api_key;

    // A shared-state run in which revenue-analyzer first writes a draft trend, then its final one.
    await admin.workflows.put("q3-profitability", SHARED);
    sharedRun = (await as("revenue-analyzer").runs.start("q3-profitability", { input: { quarter: "Q3" } })).run_id;
    const revenue = await taskOf("revenue-analyzer");
    const draft = await fetch(`${local.server.baseUrl}/v1/runs/${sharedRun}/state/revenue_trends`, {
      method: "PUT",
      headers: { authorization: `Bearer ${keys.get("revenue-analyzer")}`, "content-type": "application/json" },
      body: JSON.stringify({ value: "draft: flat" }),
    });
    expect(draft.status).toBe(200);
    await sleep(40);
    await as("revenue-analyzer").tasks.complete(revenue.task_id, { output: { done: true }, state: { revenue_by_region: { emea: 120, apac: 80 }, revenue_trends: "final: up 12%" } });
    const cost = await taskOf("cost-analyzer");
    await sleep(30);
    await as("cost-analyzer").tasks.complete(cost.task_id, { output: { done: true }, state: { cost_by_region: { emea: 70, apac: 50 }, cost_trends: "flat" } });
    const summary = await taskOf("profitability-summarizer");
    await sleep(30);
    await as("profitability-summarizer").tasks.complete(summary.task_id, { output: { margin: 0.4 }, state: { profitability_report: "EMEA leads with a 42% margin" } });
    expect((await admin.runs.wait(sharedRun, { timeoutMs: 30_000 })).status).toBe("succeeded");

    // The seed's hierarchy, with ops-analyst the slowest worker.
    await admin.workflows.put("q3-review", HIERARCHY);
    hierarchyRun = (await as("executive-analyst").runs.start("q3-review", { input: { quarter: "Q3" } })).run_id;
    for (const [worker, delay] of [["sales-analyst", 60], ["marketing-analyst", 120], ["ops-analyst", 400]] as const) {
      const task = await taskOf(worker);
      await sleep(delay);
      await as(worker).tasks.complete(task.task_id, { output: { worker, finding: `${worker} looks fine` }, usage: { tokens_in: 900, tokens_out: 240 } });
    }
    const synthesis = await taskOf("executive-analyst");
    await sleep(80);
    await as("executive-analyst").tasks.complete(synthesis.task_id, { output: { summary: "three reports, one slow" }, usage: { tokens_in: 2400, tokens_out: 500 } });
    expect((await admin.runs.wait(hierarchyRun, { timeoutMs: 30_000 })).status).toBe("succeeded");

    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** A page with a laptop's viewport that records console errors and uncaught exceptions. */
  async function newPage(): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m: ConsoleMessage) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
    return { page, errors };
  }

  async function signIn(page: Page, key: string) {
    await page.goto(`${local.server.baseUrl}/dashboard/`);
    await page.getByLabel("API key").fill(key);
    await page.getByRole("button", { name: "Sign in" }).click();
  }

  const canvasDrawn = (page: Page, selector: string) =>
    page.evaluate((sel) => {
      const canvases = Array.from(document.querySelectorAll<HTMLCanvasElement>(`${sel} canvas`));
      return canvases.some((c) => {
        if (c.width === 0 || c.height === 0) return false;
        const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
        return false;
      });
    }, selector);

  it("shows a bad key a clear message and no data", async () => {
    const { page } = await newPage();
    await signIn(page, "sy_this_key_does_not_exist");
    const alert = page.getByRole("alert");
    await expect.poll(() => alert.textContent()).toContain("That key was refused");
    expect(await page.locator("table").count()).toBe(0);
    expect(await page.locator("#nav").isVisible()).toBe(false);
    expect(await page.evaluate(() => sessionStorage.getItem("switchyard.api_key"))).toBeNull();
    await page.screenshot({ path: `${ARTIFACTS}bad-key.png` });
    await page.context().close();
  });

  it("signs a revoked key out with a clear message, leaving no data on the page", async () => {
    await admin.agents.create({ agent_id: "short-lived-reader", role: "reader" });
    const issued = await admin.agents.keys.create("short-lived-reader");
    const { page, errors } = await newPage();
    await signIn(page, issued.api_key);
    await page.getByRole("link", { name: sharedRun }).waitFor();
    await admin.agents.keys.revoke("short-lived-reader", issued.key_id);
    // Staying on the runs page: its next live refresh meets the refusal and clears the page.
    const alert = page.getByRole("alert");
    await expect.poll(() => alert.textContent()).toContain("refused");
    expect(await alert.textContent()).toContain("revoked");
    expect(await page.locator("table").count()).toBe(0);
    expect(await page.getByText(sharedRun).count()).toBe(0);
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    await page.context().close();
  });

  it("signs in, lists and filters runs, opens a finished run: waterfall, graph, and the state slider back to an earlier value", async () => {
    const { page, errors } = await newPage();
    await signIn(page, readerKey);
    await page.getByRole("heading", { name: "Runs" }).waitFor();
    await page.getByRole("link", { name: sharedRun }).waitFor();
    await page.getByLabel("Workflow").selectOption("q3-review");
    await page.getByRole("link", { name: hierarchyRun }).waitFor();
    expect(await page.getByRole("link", { name: sharedRun }).count()).toBe(0);
    await page.screenshot({ path: `${ARTIFACTS}runs.png` });

    // The hierarchy run: its waterfall (an SVG row per span, arrows for the joins) and its graph.
    await page.getByRole("link", { name: hierarchyRun }).click();
    await page.locator("#waterfall svg").waitFor();
    const trace = await admin.runs.trace(hierarchyRun);
    expect(await page.locator('#waterfall g[role="listitem"]').count()).toBe(trace.spans.length);
    expect(await page.locator("#waterfall path.dep").count()).toBe(trace.spans.reduce((n, s) => n + s.links.length, 0));
    await expect.poll(() => canvasDrawn(page, "#run-graph")).toBe(true);
    // The README's picture: facts, waterfall and graph of a real run.
    await page.setViewportSize({ width: 1440, height: 1300 });
    await page.locator("#graph-title").scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${ARTIFACTS}run-overview.png` });
    // The README's picture is refreshed only when asked (UPDATE_SCREENSHOTS=1): a test run leaves the checkout as it was.
    if (process.env.UPDATE_SCREENSHOTS === "1") copyFileSync(`${ARTIFACTS}run-overview.png`, README_SHOT);
    await page.setViewportSize({ width: 1440, height: 900 });
    // Keyboard: focus the synthesis row and open its details.
    const synthesisRow = page.locator('#waterfall g[role="listitem"]', { hasText: "invoke_agent executive-analyst" });
    await synthesisRow.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#span-details").textContent()).toContain("join: invoke_agent ops-analyst");
    await page.screenshot({ path: `${ARTIFACTS}run-span-details.png` });

    // The shared-state run: the slider starts at the latest state; moving it back shows the draft.
    await page.goto(`${local.server.baseUrl}/dashboard/#/runs/${sharedRun}`);
    const slider = page.getByLabel(/^Moment/);
    await slider.waitFor();
    await expect.poll(() => page.locator("#state-view").textContent()).toContain("final: up 12%");
    await slider.focus();
    await page.keyboard.press("Home");
    await expect.poll(() => page.locator("#state-moment").textContent()).toContain("the run's start");
    await page.keyboard.press("ArrowRight");
    await expect.poll(() => page.locator("#state-moment").textContent()).toContain("revenue-analyzer wrote revenue_trends");
    await expect.poll(() => page.locator("#state-view").textContent()).toContain("draft: flat");
    expect(await page.locator("#state-view").textContent()).not.toContain("final: up 12%");
    await page.keyboard.press("End");
    await expect.poll(() => page.locator("#state-view").textContent()).toContain("EMEA leads");
    await page.locator("#state-title").scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS}run-state.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("opens a workflow: its dependency graph with observed counts and its bottlenecks, worst first", async () => {
    const { page, errors } = await newPage();
    await signIn(page, readerKey);
    await page.getByRole("link", { name: "Workflows" }).click();
    await page.getByRole("link", { name: "q3-review" }).click();
    await page.getByRole("heading", { name: /Bottlenecks/ }).waitFor();
    await expect.poll(() => canvasDrawn(page, "#workflow-graph")).toBe(true);
    const edges = page.locator("table", { hasText: "Edges: declared" }).locator("tbody tr");
    expect(await edges.count()).toBe(3);
    expect(await edges.first().textContent()).toMatch(/executive-analyst.*delegation.*yes.*1/);
    const agents = page.locator("table", { hasText: "Agents by their part" }).locator("tbody tr");
    expect(await agents.count()).toBe(4);
    // ops-analyst took longest and its task and the synthesis are the run's critical path.
    expect(await agents.first().textContent()).toContain("ops-analyst");
    await page.screenshot({ path: `${ARTIFACTS}workflow.png`, fullPage: true });

    for (const section of ["A/B tests", "Events"]) {
      await page.getByRole("link", { name: section }).click();
      await page.getByRole("heading", { name: section }).waitFor();
    }
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("shows an A/B test's arms, metrics with intervals and recommendation, and an event's decisions down to the run it started", async () => {
    // The A/B test: the agent's `latest` split 50/50 between two versions over 16 runs its worker finishes.
    const agent = "revenue-analyst";
    await admin.agents.create({ agent_id: agent });
    for (const version of ["1.2.0", "1.3.0"]) await admin.versions.publish(agent, { version });
    const worker = local.client((await admin.agents.keys.create(agent)).api_key);
    await admin.workflows.put("revenue-ab", `agents:\n  - {name: ${agent}, version: latest}\ncoordination:\n  pattern: shared-state\n  state_store: {type: key-value, conflict_resolution: last-write-wins}\n  agents:\n    - {name: ${agent}, writes: [result]}\n`);
    const test = await admin.abTests.create({ agent, versions: { a: "1.2.0", b: "1.3.0" }, traffic_split: { a: 50, b: 50 }, metrics: ["success_rate", "avg_duration_ms"], min_samples: 2 });
    const runs = [];
    for (let i = 0; i < 16; i++) runs.push((await admin.runs.start("revenue-ab", { input: { i } })).run_id);
    for (let done = 0; done < runs.length; ) {
      const { items } = await worker.inbox.poll(agent, { kind: "task", waitSeconds: 2, limit: 100 });
      for (const task of items.filter((x): x is InboxTask => x.kind === "task")) {
        await worker.tasks.complete(task.task_id, { output: { ok: true }, state: { result: done }, usage: { tokens_in: 100, tokens_out: 20 } });
        done++;
      }
    }
    for (const run of runs) expect((await admin.runs.wait(run, { timeoutMs: 30_000 })).status).toBe("succeeded");

    // The event: one that starts the checker's run, one its filter turns away.
    await admin.workflows.put("load-checks", `coordination:\n  pattern: event-driven\n  events:\n    - type: data.loaded\n      filter: "row_count > 100"\n      agents: [revenue-analyzer]\n`);
    const started = await admin.events.publish({ type: "data.loaded", source: "sales_warehouse", data: { row_count: 5000 } });
    const ignored = await admin.events.publish({ type: "data.loaded", source: "sales_warehouse", data: { row_count: 3 } });
    const eventRun = started.runs[0]!.run_id;
    expect(ignored.runs).toEqual([]);

    const { page, errors } = await newPage();
    await signIn(page, readerKey);
    await page.getByRole("link", { name: "A/B tests" }).click();
    await page.getByRole("link", { name: test.ab_test_id }).click();
    await page.getByRole("heading", { name: /A\/B test/ }).waitFor();
    const arms = page.locator("table", { hasText: "Assigned runs" }).locator("tbody tr");
    expect(await arms.count()).toBe(2);
    const read = await admin.abTests.get(test.ab_test_id);
    expect(read.arms.a.samples + read.arms.b.samples).toBe(16);
    expect(await arms.nth(0).textContent()).toContain(`1.2.0${read.arms.a.assigned}${read.arms.a.samples}`);
    const metrics = page.locator("table", { hasText: "with its interval" }).locator("tbody tr");
    expect(await metrics.count()).toBe(2);
    // Each interval as the API gave it, in the metric's unit: points for a rate, time for a duration.
    const duration = read.metrics.avg_duration_ms!;
    expect(duration.confidence_interval).not.toBeNull();
    expect(await metrics.nth(1).textContent()).toMatch(/avg_duration_ms.*\[[−+][\d.]+ (ms|s), [−+][\d.]+ (ms|s)\]/);
    expect(await page.locator("#recommendation").textContent()).toContain(read.recommendation);
    expect(await page.locator("#srm").textContent()).toContain(read.srm.ok ? "ok" : "MISMATCH");
    await page.screenshot({ path: `${ARTIFACTS}ab-test.png`, fullPage: true });

    await page.getByRole("link", { name: "Events" }).click();
    const turnedAway = page.getByRole("article", { name: `Event ${ignored.event_id}` });
    await turnedAway.waitFor();
    expect(await turnedAway.textContent()).toMatch(/load-checks.*did not run.*row_count > 100/);
    const ran = page.getByRole("article", { name: `Event ${started.event_id}` });
    expect(await ran.textContent()).toMatch(/load-checks.*ran/);
    await page.screenshot({ path: `${ARTIFACTS}events.png`, fullPage: true });
    // The run the event started: its trace begins with the event, which the agent's task depends on.
    await ran.getByRole("link", { name: eventRun }).click();
    await page.locator("#waterfall svg").waitFor();
    const eventRow = page.locator('#waterfall g[role="listitem"]', { hasText: "event data.loaded" });
    expect(await eventRow.count()).toBe(1);
    expect(await page.locator("#waterfall path.dep").count()).toBe(1);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("serves /docs: the API reference, from the Worker's assets, where a route can be found", async () => {
    const { page, errors } = await newPage();
    await page.goto(`${local.server.baseUrl}/docs`);
    const route = page.locator(".opblock-summary-path", { hasText: "/v1/runs/{run_id}/trace" });
    await route.first().waitFor({ timeout: 30_000 });
    await route.first().click();
    await page.getByText("A run's coordination trace").first().waitFor();
    await page.screenshot({ path: `${ARTIFACTS}docs.png` });
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
