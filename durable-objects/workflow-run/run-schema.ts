import { StateStore } from "./state-store";

/**
 * The run's own SQLite tables. Times are epoch milliseconds (the engine's clock), turned into the
 * contract's ISO text only when a view is built. JSON columns hold JSON text.
 */
export function migrateRunSchema(sql: SqlStorage): void {
  StateStore.migrate(sql);
  // One row: the run itself, with everything it pinned when it started.
  sql.exec(`CREATE TABLE IF NOT EXISTS run (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    run_id TEXT NOT NULL,
    workflow TEXT NOT NULL,
    revision INTEGER NOT NULL,
    definition TEXT NOT NULL,
    agents TEXT NOT NULL,
    limits TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    output TEXT,
    error TEXT,
    trigger TEXT NOT NULL,
    event TEXT,
    matched TEXT NOT NULL,
    branches TEXT NOT NULL,
    started_by TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    span_id TEXT NOT NULL,
    next_task INTEGER NOT NULL DEFAULT 0,
    mode TEXT NOT NULL DEFAULT 'live'
  )`);
  // Every task and every attempt of one, in creation order.
  sql.exec(`CREATE TABLE IF NOT EXISTS tasks (
    seq INTEGER PRIMARY KEY,
    task_id TEXT NOT NULL UNIQUE,
    agent_id TEXT NOT NULL,
    version TEXT NOT NULL,
    role TEXT NOT NULL,
    patterns TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    output TEXT,
    error TEXT,
    attempt INTEGER NOT NULL,
    retry_of TEXT,
    usage TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    completed_at INTEGER,
    deadline INTEGER NOT NULL,
    cause TEXT NOT NULL,
    span_id TEXT NOT NULL,
    feedback TEXT,
    changed INTEGER NOT NULL DEFAULT 0
  )`);
  sql.exec("CREATE INDEX IF NOT EXISTS tasks_open_deadline ON tasks (deadline) WHERE status IN ('pending', 'running')");
  sql.exec("CREATE INDEX IF NOT EXISTS tasks_agent ON tasks (agent_id, seq)");
  sql.exec(`CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    from_agent TEXT NOT NULL,
    to_agent TEXT NOT NULL,
    schema TEXT,
    body TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    from_task_id TEXT,
    to_task_id TEXT,
    span_id TEXT NOT NULL
  )`);
  // Named deadlines other than the tasks' own (a hierarchical join, the run's max_run_seconds).
  sql.exec("CREATE TABLE IF NOT EXISTS timers (name TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID");
  // Facts a pattern records about its own progress (a hierarchical join happened, and why).
  sql.exec("CREATE TABLE IF NOT EXISTS marks (name TEXT PRIMARY KEY, at INTEGER NOT NULL, detail TEXT NOT NULL) WITHOUT ROWID");
  // A dry run's own record (absent for real runs): who asked, and what it found.
  sql.exec("CREATE TABLE IF NOT EXISTS dry_run (id INTEGER PRIMARY KEY CHECK (id = 1), created_by TEXT NOT NULL, created_at INTEGER NOT NULL, findings TEXT NOT NULL)");
  // The trace: one span per run, task, message, delegation, state read or write, with its causes as links.
  sql.exec(`CREATE TABLE IF NOT EXISTS spans (
    seq INTEGER PRIMARY KEY,
    span_id TEXT NOT NULL UNIQUE,
    parent_span_id TEXT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    agent_id TEXT,
    version TEXT,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    status TEXT NOT NULL,
    attributes TEXT NOT NULL,
    links TEXT NOT NULL
  )`);
  // What the run must still do outside itself (deliveries, the D1 registry, audit), written in the same
  // transaction as the change that needs it, and removed once done: a restart loses none of it.
  sql.exec(`CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY,
    effect TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before INTEGER NOT NULL
  )`);
}
