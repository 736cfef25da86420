import { SignedOut, get, session } from "./lib/api.js";
import { h, replace } from "./lib/dom.js";
import { abTestPage, abTestsPage } from "./pages/ab-tests.js";
import { eventsPage } from "./pages/events.js";
import { runPage } from "./pages/run.js";
import { runsPage } from "./pages/runs.js";
import { workflowPage, workflowsPage } from "./pages/workflows.js";

// The dashboard: one page, its sections behind the URL's hash (#/runs, #/runs/<id>, #/workflows/<name>,
// #/ab-tests, #/events), so links and the back button work and the server serves one file.

const main = document.getElementById("main");
const status = document.getElementById("status");

const ROUTES = [
  [/^#\/runs\/(run_[0-9a-z]+)$/, (m, ctx) => runPage(main, ctx, m[1])],
  [/^#\/runs(?:\?(.*))?$/, (m, ctx) => runsPage(main, ctx, new URLSearchParams(m[1] ?? ""))],
  [/^#\/workflows\/([^?]+)(?:\?(.*))?$/, (m, ctx) => workflowPage(main, ctx, decodeURIComponent(m[1]), new URLSearchParams(m[2] ?? ""))],
  [/^#\/workflows$/, (m, ctx) => workflowsPage(main, ctx)],
  [/^#\/ab-tests\/(ab_[0-9a-z]+)$/, (m, ctx) => abTestPage(main, ctx, decodeURIComponent(m[1]))],
  [/^#\/ab-tests(?:\?(.*))?$/, (m, ctx) => abTestsPage(main, ctx, new URLSearchParams(m[1] ?? ""))],
  [/^#\/events(?:\?(.*))?$/, (m, ctx) => eventsPage(main, ctx, new URLSearchParams(m[1] ?? ""))],
];

/** Tells a screen reader (and everyone) what just happened. */
export function say(text) {
  status.textContent = text;
}

let current = null;

function signedInChrome(whoami) {
  document.getElementById("nav").hidden = false;
  document.getElementById("who").hidden = false;
  document.getElementById("who-name").textContent = `${whoami.agent_id} (${whoami.role})`;
}

function signedOutChrome() {
  document.getElementById("nav").hidden = true;
  document.getElementById("who").hidden = true;
}

/** The sign-in form; `reason` says why it is shown (a refused or revoked key). No data is on the page. */
function signIn(reason) {
  current?.abort();
  session.clear();
  signedOutChrome();
  const error = reason ? h("p", { class: "card error", role: "alert", id: "signin-error" }, reason) : null;
  const input = h("input", { type: "password", id: "api-key", name: "api-key", autocomplete: "off", spellcheck: "false", required: true, "aria-describedby": "key-help" });
  const form = h(
    "form",
    {
      onsubmit: async (e) => {
        e.preventDefault();
        const key = input.value.trim();
        if (!key) return;
        say("Checking the key…");
        try {
          const whoami = await get("/v1/whoami", { key });
          session.set(key);
          signedInChrome(whoami);
          say(`Signed in as ${whoami.agent_id}.`);
          if (!location.hash) location.hash = "#/runs";
          else route();
        } catch (err) {
          signIn(err instanceof SignedOut ? `That key was refused: ${err.message} Check it, or ask an admin for a new one if it was revoked.` : `Could not check the key: ${err.message}`);
        }
      },
    },
    h("label", { for: "api-key" }, "API key", input),
    h("p", { id: "key-help", class: "muted" }, "An agent key (sy_…) or the admin token. It stays in this browser tab only (sessionStorage) and is sent to this deployment's API as a bearer header; closing the tab forgets it."),
    h("button", { type: "submit" }, "Sign in"),
  );
  replace(main, h("section", { class: "signin card", "aria-labelledby": "signin-title" }, h("h1", { id: "signin-title" }, "Sign in to the Switchyard dashboard"), error, form));
  if (reason) say(reason);
  input.focus();
}

async function route() {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const cleanups = [];
  controller.signal.addEventListener("abort", () => cleanups.forEach((fn) => fn()));
  // A failure after the page was drawn (a live refresh): a refused key still clears the page at once.
  const fail = (error) => {
    if (controller.signal.aborted) return;
    if (error instanceof SignedOut) signIn(`Your key was refused: ${error.message} It may have been revoked. Sign in again.`);
    else say(`Refresh failed: ${error.message}`);
  };
  const ctx = { signal: controller.signal, onCleanup: (fn) => cleanups.push(fn), say, fail };
  const hash = location.hash || "#/runs";
  for (const link of document.querySelectorAll("#nav a")) {
    if (hash.startsWith(link.getAttribute("href"))) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const match = ROUTES.map(([re, page]) => [re.exec(hash), page]).find(([m]) => m);
  replace(main, h("p", { class: "muted" }, "Loading…"));
  main.focus({ preventScroll: true });
  try {
    if (!match) replace(main, h("h1", {}, "Not found"), h("p", {}, "No such page. ", h("a", { href: "#/runs" }, "See the runs.")));
    else await match[1](match[0], ctx);
  } catch (error) {
    if (controller.signal.aborted) return;
    if (error instanceof SignedOut) return signIn(`Your key was refused: ${error.message} It may have been revoked. Sign in again.`);
    replace(main, h("p", { class: "card error", role: "alert" }, error.message));
    say(error.message);
  }
}

document.getElementById("sign-out").addEventListener("click", () => {
  signIn(null);
  say("Signed out.");
});

async function start() {
  if (!session.key) return signIn(null);
  try {
    signedInChrome(await get("/v1/whoami"));
  } catch (error) {
    return signIn(error instanceof SignedOut ? `Your key was refused: ${error.message} It may have been revoked. Sign in again.` : error.message);
  }
  await route();
}

window.addEventListener("hashchange", () => (session.key ? route() : signIn(null)));
start();
