// The YAML blocks of the Datafi seed (shared/seeds/datafi-multi-agent-coordination.txt), with the
// indentation the text file lost restored and nothing else changed: each must be accepted verbatim.

export const EVENT_DRIVEN = `coordination:
  pattern: event-driven
  events:
    - type: data.loaded
      filter: "source == 'sales_warehouse'"
      agents:
        - data-quality-checker
        - schema-drift-detector
    - type: anomaly.detected
      filter: "severity >= 'high'"
      agents:
        - incident-reporter
        - auto-remediation-agent
`;

export const MESSAGE_PASSING = `coordination:
  pattern: message-passing
  flow:
    - from: data-collector
      to: data-enricher
      message:
        schema: raw_records
    - from: data-enricher
      to: report-generator
      message:
        schema: enriched_records
    - from: report-generator
      to: email-distributor
      message:
        schema: formatted_report
`;

export const SHARED_STATE = `coordination:
  pattern: shared-state
  state_store:
    type: key-value
    conflict_resolution: last-write-wins
  agents:
    - name: revenue-analyzer
      writes: ["revenue_by_region", "revenue_trends"]
    - name: cost-analyzer
      writes: ["cost_by_region", "cost_trends"]
    - name: profitability-summarizer
      reads: ["revenue_by_region", "cost_by_region", "revenue_trends", "cost_trends"]
      writes: ["profitability_report"]
`;

export const HIERARCHICAL = `coordination:
  pattern: hierarchical
  supervisor: executive-analyst
  workers:
    - name: sales-analyst
      task: "Analyze Q3 sales performance"
    - name: marketing-analyst
      task: "Analyze Q3 campaign effectiveness"
    - name: ops-analyst
      task: "Analyze Q3 operational efficiency"
  aggregation:
    strategy: supervisor-synthesis
    timeout_seconds: 300
`;

export const AGENTS = `agents:
  - name: revenue-analyst
    version: "1.2.0" # pinned version
  - name: cost-analyzer
    version: "latest" # always uses newest
`;

/** Every agent the blocks name, with the versions the tests publish for them. */
export const SEED_AGENTS = [
  "data-quality-checker",
  "schema-drift-detector",
  "incident-reporter",
  "auto-remediation-agent",
  "data-collector",
  "data-enricher",
  "report-generator",
  "email-distributor",
  "revenue-analyzer",
  "cost-analyzer",
  "profitability-summarizer",
  "executive-analyst",
  "sales-analyst",
  "marketing-analyst",
  "ops-analyst",
  "revenue-analyst",
];

/** "A/B Testing". */
export const SEED_AB_TEST = `ab_test:
  agent: revenue-analyst
  versions:
    a: "1.2.0"
    b: "1.3.0-beta"
  traffic_split:
    a: 80
    b: 20
  metrics:
    - success_rate
    - avg_duration_ms
    - avg_token_usage
    - quality_score
  duration_days: 14
`;
