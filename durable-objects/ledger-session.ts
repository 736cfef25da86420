import { DurableObject } from "cloudflare:workers";
import { database } from "../src/db/client";
import { type Append, type SessionHead, readHead, writeSteps } from "../src/ledger/append-steps";
import type { LoggedStep } from "../src/ledger/schemas";
import { isoNow } from "../src/lib/time";

/** What an append answers: the logged steps, or the session's owner when it is not the one the caller expected. */
export type AppendResult = { ok: true; steps: LoggedStep[] } | { ok: false; owner: string };

/** One caller's steps: written together, consecutively, all or none. */
interface Pending {
  appends: Append[];
  expectedOwner: string | null;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** Appends that arrive while a D1 batch is in flight are written together in the next one, up to this many steps. */
const MAX_STEPS_PER_BATCH = 100;

/**
 * One chain-of-thought session's sequencer (one object per session id): it hands out step indexes and
 * chains hashes, so that concurrent appends get consecutive indexes with no gaps and no forks.
 *
 * Why an object rather than an optimistic insert with retry on the primary key: under contention the
 * optimistic way costs a D1 round trip per lost race (50 concurrent appends make ~1,250 attempts), and it
 * must read the head before each try. Here the head (next index, last hash) stays in memory, and appends
 * are queued explicitly: the input gate does not hold other calls back while this object awaits D1, so
 * without the queue two appends could both read the same head. Whatever queued up during one D1 batch
 * goes out as the next batch, so a burst costs a few round trips, not one per step. The primary key
 * (session_id, step_index) still refuses a fork should two instances ever write.
 */
export class LedgerSession extends DurableObject<Env> {
  /** undefined: not read yet (or unknown after a failed write); null: no step yet. */
  #head: SessionHead | null | undefined;
  #loading: Promise<SessionHead | null> | undefined;
  #queue: Pending[] = [];
  #draining = false;

  /** The agent that opened the session, or null while it has no step. */
  async owner(sessionId: string): Promise<string | null> {
    return (await this.#readHead(sessionId))?.owner ?? null;
  }

  /**
   * Appends steps, consecutively and all or none. `expectedOwner` is the owner the caller was authorised
   * against; if the session has another one by now (it was opened meanwhile), nothing is written and the
   * owner is returned instead.
   */
  append(sessionId: string, appends: Append[], expectedOwner: string | null): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.#queue.push({ appends, expectedOwner, resolve, reject });
      if (!this.#draining) void this.#drain(sessionId);
    });
  }

  async #drain(sessionId: string): Promise<void> {
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        // At least one caller's steps, then more callers while they fit.
        let steps = this.#queue[0]!.appends.length;
        let take = 1;
        while (take < this.#queue.length && steps + this.#queue[take]!.appends.length <= MAX_STEPS_PER_BATCH) steps += this.#queue[take++]!.appends.length;
        await this.#writeBatch(sessionId, this.#queue.splice(0, take));
      }
    } finally {
      this.#draining = false;
    }
  }

  async #writeBatch(sessionId: string, batch: Pending[]): Promise<void> {
    try {
      const head = await this.#readHead(sessionId);
      let owner = head?.owner ?? null;
      const accepted: Pending[] = [];
      for (const pending of batch) {
        if (owner !== null && pending.expectedOwner !== owner) {
          // The session was opened by someone else meanwhile: the caller re-authorises against them.
          pending.resolve({ ok: false, owner });
          continue;
        }
        owner ??= pending.appends[0]!.agentId;
        accepted.push(pending);
      }
      if (accepted.length === 0) return;
      const written = await writeSteps(database(this.env), sessionId, head, accepted.flatMap((p) => p.appends), isoNow());
      this.#head = written.head;
      let at = 0;
      for (const p of accepted) {
        p.resolve({ ok: true, steps: written.logged.slice(at, at + p.appends.length) });
        at += p.appends.length;
      }
    } catch (err) {
      // The batch may or may not have committed (a lost answer): read the head again before the next one.
      this.#head = undefined;
      for (const p of batch) p.reject(err);
    }
  }

  /** One read at a time: a read that started before a write must not land after it and roll the head back. */
  #readHead(sessionId: string): Promise<SessionHead | null> {
    if (this.#head !== undefined) return Promise.resolve(this.#head);
    this.#loading ??= readHead(database(this.env), sessionId)
      .then((head) => (this.#head = head))
      .finally(() => (this.#loading = undefined));
    return this.#loading;
  }
}
