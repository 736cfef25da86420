import { DurableObject } from "cloudflare:workers";
import { StateStore, type StateDelete, type StateKeySummary, type StateRecord, type StateWrite } from "./agent/state-store";

/**
 * One agent's consistency unit: its durable state (and, with the inbox, its notifications and
 * messages). Everything that must be serialised for one agent happens in here.
 */
export class AgentObject extends DurableObject<Env> {
  private readonly state: StateStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.state = new StateStore(ctx.storage.sql);
    void ctx.blockConcurrencyWhile(async () => {
      StateStore.migrate(ctx.storage.sql);
    });
  }

  getState(key: string): StateRecord | null {
    return this.state.get(key);
  }

  putState(key: string, value: string, expectedVersion: number | undefined, by: string, now: string): StateWrite {
    return this.state.put(key, value, expectedVersion, by, now);
  }

  deleteState(key: string, expectedVersion: number | undefined): StateDelete {
    return this.state.delete(key, expectedVersion);
  }

  listState(after: string | undefined, limit: number): StateKeySummary[] {
    return this.state.list(after, limit);
  }

  /** Called when the agent is deleted: nothing of it may outlive it. */
  async erase(): Promise<void> {
    await this.ctx.storage.deleteAll();
    // The same id may be created again: it starts empty, with its tables in place.
    StateStore.migrate(this.ctx.storage.sql);
  }
}
