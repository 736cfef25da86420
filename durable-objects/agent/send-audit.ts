import { sql } from "drizzle-orm";
import { auditEachWhere, type AuditEntry } from "../../src/audit/audit-log";
import { database } from "../../src/db/client";
import { agents } from "../../src/db/schema";

type Waiter = { agentId: string; entries: AuditEntry[]; resolve: (recorded: boolean) => void; reject: (error: unknown) => void };

/**
 * The audit rows of messages sent into this inbox, written by group commit: sends that arrive while a
 * write is in flight go together in the next one, so under concurrency one D1 statement carries many
 * sends' rows rather than one round trip each (a send is the inbox's hot path). The statement also
 * checks that the receiving agent exists, and writes nothing when it does not; every caller hears
 * whether its rows were recorded only once they are in D1, so an answered send is always audited.
 */
export class SendAudit {
  private queued: Waiter[] = [];
  private writing = false;

  constructor(private readonly env: Env) {}

  /** Resolves true once the entries are in `_audit_log`, false when `agentId` is no agent (nothing written). */
  record(agentId: string, entries: AuditEntry[]): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queued.push({ agentId, entries, resolve, reject });
      if (!this.writing) void this.writeQueued();
    });
  }

  private async writeQueued(): Promise<void> {
    this.writing = true;
    try {
      while (this.queued.length > 0) {
        // One object serves one agent, so a group normally is the whole queue; grouping by agent keeps each existence check right anyway.
        const agentId = this.queued[0]!.agentId;
        const group = this.queued.filter((w) => w.agentId === agentId);
        this.queued = this.queued.filter((w) => w.agentId !== agentId);
        try {
          const recorded = await this.insert(agentId, group.flatMap((w) => w.entries));
          for (const w of group) w.resolve(recorded);
        } catch (error) {
          // Each caller takes back its own messages and answers the failure (see AgentObject.sendMessages).
          for (const w of group) w.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async insert(agentId: string, entries: AuditEntry[]): Promise<boolean> {
    const db = database(this.env);
    const result = await auditEachWhere(db, entries, sql`EXISTS (SELECT 1 FROM ${agents} WHERE ${agents.agentId} = ${agentId})`).run();
    return result.meta.changes > 0;
  }
}
