/**
 * Generated but realistic memories for seeding: what a team of agents writes down (accounts, incidents,
 * preferences, metrics, instructions), with varied vocabulary so keyword and vector search see a
 * natural spread of terms; and search queries phrased the way an agent asks.
 */
import { intBetween, pick, type Random } from "./prng.ts";

const people = ["Priya", "Marcus", "Sofia", "Kenji", "Amara", "Lukas", "Chen Wei", "Fatima", "Diego", "Ingrid", "Tomasz", "Aisha", "Noah", "Elena", "Ravi", "Hannah", "Mateo", "Yuki", "Olu", "Clara"];
const customers = ["Acme Corp", "Globex", "Initech", "Umbrella Health", "Stark Logistics", "Wayne Foods", "Hooli", "Vandelay Imports", "Soylent Labs", "Tyrell Energy", "Cyberdyne Retail", "Wonka Candy", "Oscorp Bio", "Massive Dynamic", "Pied Piper", "Aperture Science", "Monarch Travel", "Gringotts Bank", "Nakatomi Trading", "Duff Brewing"];
const plans = ["starter", "team", "business", "enterprise", "growth", "annual pro"];
const services = ["billing-api", "search-indexer", "auth-gateway", "checkout", "notifications", "ledger-sync", "ml-ranker", "export-worker", "webhook-relay", "reporting"];
const regions = ["eu-west", "us-east", "ap-south", "us-west", "eu-central", "sa-east"];
const weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];
const months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const segments = ["SMB", "mid-market", "enterprise", "self-serve", "education", "public sector"];
const teams = ["finance", "legal", "customer success", "platform", "security", "data", "sales ops", "support"];
const features = ["CSV export", "single sign-on", "the mobile app", "bulk import", "the dashboard filters", "invoice PDFs", "the search bar", "two-factor login", "the API rate limiter", "scheduled reports"];
const errors = ["a 502 Bad Gateway", "a timeout after 30 seconds", "a blank page", "an expired-token error", "duplicate rows", "a currency rounding error", "an out-of-memory crash", "a schema mismatch"];
const platforms = ["Safari on iOS", "Chrome on Windows", "Firefox on Linux", "the Android app", "Edge", "the desktop client"];
const conditions = ["the file has more than 10,000 rows", "the user switches workspaces", "the session is older than a day", "two tabs are open", "the locale is German", "the network is slow"];
const metrics = ["conversion", "activation", "retention at day 30", "average order value", "trial-to-paid rate", "time to first value"];
const formats = ["bullet-point", "one-paragraph", "table-based", "executive", "detailed technical"];
const topics = ["pricing", "data residency", "the SOC 2 report", "onboarding", "API limits", "the renewal", "a custom integration", "uptime guarantees", "invoice terms", "the migration plan"];
const requests = ["a sandbox environment", "a discount on extra seats", "an audit log export", "a dedicated support channel", "a roadmap briefing", "SAML support", "a data processing agreement"];
const vendors = ["Snowflake", "Datadog", "Twilio", "Stripe", "Okta", "Zendesk", "Segment", "PagerDuty"];
const datasets = ["orders", "customers", "events", "invoices", "subscriptions", "shipments"];
const columns = ["country_code", "email", "currency", "created_at", "plan_id", "region"];
const jobs = ["nightly ETL", "churn model", "revenue rollup", "deduplication", "billing reconciliation"];
const cities = ["Berlin", "Lagos", "São Paulo", "Toronto", "Bangalore", "Tokyo", "Lisbon", "Nairobi", "Austin", "Warsaw"];
const projects = ["the Q3 forecast", "the pricing page redesign", "the data warehouse migration", "the onboarding revamp", "the EU expansion", "the support bot"];
const actions = ["run the test suite", "check the staging dashboard", "ask finance for sign-off", "snapshot the database", "write a rollback plan", "notify the account owner", "update the changelog"];

export type GeneratedMemory = {
  content: string;
  memory_type: "fact" | "observation" | "instruction" | "preference" | "episode";
  importance: number;
  metadata: Record<string, string | number | boolean>;
};

type Template = { topic: string; type: GeneratedMemory["memory_type"]; text: (r: Random) => string };

const templates: Template[] = [
  {
    topic: "accounts",
    type: "fact",
    text: (r) => `${pick(r, customers)} renewed the ${pick(r, plans)} plan for ${intBetween(r, 5, 900)} seats after a ${intBetween(r, 7, 45)}-day trial; ${pick(r, people)} owns the account.`,
  },
  {
    topic: "incidents",
    type: "episode",
    text: (r) => `The ${pick(r, services)} deploy on ${pick(r, weekdays)} raised p95 latency to ${intBetween(r, 180, 2400)} ms in ${pick(r, regions)}; ${pick(r, people)} rolled it back after ${intBetween(r, 4, 90)} minutes.`,
  },
  {
    topic: "preferences",
    type: "preference",
    text: (r) => `${pick(r, people)} prefers ${pick(r, formats)} summaries about ${pick(r, projects)}, sent before ${intBetween(r, 7, 11)} am on ${pick(r, weekdays)}s.`,
  },
  {
    topic: "metrics",
    type: "fact",
    text: (r) => {
      const q = intBetween(r, 1, 4);
      return `Q${q} churn in the ${pick(r, segments)} segment was ${(r() * 9 + 1).toFixed(1)}%, ${pick(r, ["up", "down"])} ${(r() * 3).toFixed(1)} points from Q${q === 1 ? 4 : q - 1}.`;
    },
  },
  {
    topic: "billing",
    type: "observation",
    text: (r) => `Invoice INV-${intBetween(r, 10000, 99999)} for ${pick(r, customers)} is ${intBetween(r, 3, 120)} days overdue; escalate to ${pick(r, teams)} if it is unpaid by ${intBetween(r, 1, 28)} ${pick(r, months)}.`,
  },
  {
    topic: "bugs",
    type: "observation",
    text: (r) => `A user reported that ${pick(r, features)} fails with ${pick(r, errors)} when ${pick(r, conditions)} on ${pick(r, platforms)}.`,
  },
  {
    topic: "experiments",
    type: "fact",
    text: (r) => `Experiment EXP-${intBetween(r, 100, 999)}: variant ${pick(r, ["B", "C", "D"])} changed ${pick(r, metrics)} by ${(r() * 12 - 3).toFixed(1)}% over ${intBetween(r, 1, 6)} weeks (p = ${(r() * 0.2).toFixed(3)}).`,
  },
  {
    topic: "process",
    type: "instruction",
    text: (r) => `Always ${pick(r, actions)} before you ${pick(r, actions)} when working on ${pick(r, projects)}; ${pick(r, people)} asked for this after the ${pick(r, months)} review.`,
  },
  {
    topic: "meetings",
    type: "episode",
    text: (r) => `Met ${pick(r, customers)} about ${pick(r, topics)} on ${pick(r, weekdays)}; they asked for ${pick(r, requests)} by ${pick(r, months)}, and ${pick(r, people)} will follow up.`,
  },
  {
    topic: "data",
    type: "observation",
    text: (r) => `The ${pick(r, datasets)} table has ${intBetween(r, 12, 48000)} rows with a null ${pick(r, columns)}; the ${pick(r, jobs)} job skips them silently.`,
  },
  {
    topic: "people",
    type: "fact",
    text: (r) => `${pick(r, people)} is on call for ${pick(r, services)} this week, works from ${pick(r, cities)}, and hands over to ${pick(r, people)} on ${pick(r, weekdays)}.`,
  },
  {
    topic: "vendors",
    type: "fact",
    text: (r) => `The ${pick(r, vendors)} contract for the ${pick(r, teams)} team expires on ${intBetween(r, 1, 28)} ${pick(r, months)}; the renewal quote is $${intBetween(r, 8, 240)},000 a year.`,
  },
];

/** The memory number i of a corpus: deterministic in (seed, i), so a run can be repeated exactly. */
export function generateMemory(r: Random, i: number): GeneratedMemory {
  const t = pick(r, templates);
  return {
    content: t.text(r),
    memory_type: t.type,
    importance: Math.round((0.2 + r() * 0.75) * 100) / 100,
    metadata: { topic: t.topic, source: pick(r, ["slack", "email", "crm", "pagerduty", "notes"]), confidence: Math.round((0.5 + r() * 0.5) * 100) / 100, seq: i },
  };
}

const queryForms: ((r: Random) => string)[] = [
  (r) => `which customers renewed the ${pick(r, plans)} plan`,
  (r) => `latency regression after the ${pick(r, services)} deploy in ${pick(r, regions)}`,
  (r) => `how does ${pick(r, people)} like summaries to be written`,
  (r) => `churn in the ${pick(r, segments)} segment last quarter`,
  (r) => `overdue invoices for ${pick(r, customers)}`,
  (r) => `${pick(r, features)} is broken on ${pick(r, platforms)}`,
  (r) => `did any experiment improve ${pick(r, metrics)}`,
  (r) => `what should I do before working on ${pick(r, projects)}`,
  (r) => `what did ${pick(r, customers)} ask for in the meeting about ${pick(r, topics)}`,
  (r) => `rows with missing ${pick(r, columns)} in the ${pick(r, datasets)} data`,
  (r) => `who is on call for ${pick(r, services)} this week`,
  (r) => `when does the ${pick(r, vendors)} contract expire`,
];

export function generateQuery(r: Random): string {
  return pick(r, queryForms)(r);
}
