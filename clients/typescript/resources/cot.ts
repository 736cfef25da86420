import type * as wire from "../api-types.ts";
import { type Page, paginate } from "../pagination.ts";
import { path } from "../path.ts";
import type { CreateOptions, RequestOptions, Transport } from "../transport.ts";

/** `observation`, `hypothesis`, `analysis`, `decision`, `action`, `reflection`, `planning`, `evaluation`, `retrieval`, `synthesis`, `delegation` or `error`. */
export type StepType = wire.StepType;
/** `POST /v1/cot`: one step of a session's chain of thought. */
export type LogStepInput = wire.LogStepInput;
/** `POST /v1/cot/{session_id}/steps`: up to 100 steps of one session, logged consecutively, all or none. */
export type LogStepBatchInput = { session_id: string } & wire.LogStepBatchInput;
/** Each step's place in the chain, in the order sent. */
export type LoggedStepBatch = wire.LoggedStepBatch;
/** Where a logged step sits in its chain: index, hash, previous hash, time. */
export type LoggedStep = wire.LoggedStep;
/** A stored step, with its hash and the previous step's. */
export type CotStep = wire.Step;
/** One page of a session's steps, in index order. */
export type CotStepPage = wire.StepPage;
/** `limit` (1-1000, default 100) and `cursor` for a session's steps. */
export type CotStepPageOptions = Partial<wire.StepPageQuery>;
/** A session: its owner, step count, first and last step times and head hash. */
export type CotSession = wire.Session;
/** `GET /v1/cot`: optionally one agent's sessions, active since a time, and page. */
export type CotSessionQuery = Partial<wire.SessionListQuery>;
/** A chain's verdict: intact or not, how many steps were checked, and each broken link's index and reason. */
export type ChainVerification = wire.Verification;

/**
 * The chain-of-thought ledger (`/v1/cot`): append-only, hash-chained reasoning steps per session. An
 * agent logs its steps; supervisors read and verify every session.
 *
 * @example
 * await agent.cot.log({ session_id: "run-42", step_type: "decision", content: "Escalate INV-20931." });
 * const { chain_intact, broken_links } = await supervisor.cot.verify("run-42");
 */
export class CotResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Appends a step to its session (opening it at step 0): `POST /v1/cot` → 201. */
  async log(input: LogStepInput, options?: CreateOptions): Promise<LoggedStep> {
    return this.#transport.request({ method: "POST", path: "/v1/cot", body: input, creates: true, options });
  }

  /** Appends up to 100 steps to one session, consecutively, all or none: `POST /v1/cot/{session_id}/steps` → 201. */
  async logBatch({ session_id, ...body }: LogStepBatchInput, options?: CreateOptions): Promise<LoggedStepBatch> {
    return this.#transport.request({ method: "POST", path: path`/v1/cot/${session_id}/steps`, body, creates: true, options });
  }

  /** One page of a session's steps, in index order: `GET /v1/cot/{session_id}`. */
  async get(sessionId: string, page: CotStepPageOptions = {}, options?: RequestOptions): Promise<CotStepPage> {
    return this.#transport.request({ method: "GET", path: path`/v1/cot/${sessionId}`, query: { ...page }, options });
  }

  /** Every step of a session, fetching pages (of up to 1,000) as the loop goes. */
  async *steps(sessionId: string, page: Omit<CotStepPageOptions, "cursor"> = {}, options?: RequestOptions): AsyncGenerator<CotStep, void, undefined> {
    yield* paginate(async (cursor) => {
      const { steps, next_cursor } = await this.get(sessionId, { ...page, cursor }, options);
      return { items: steps, next_cursor };
    });
  }

  /** Recomputes and checks a session's whole chain: `POST /v1/cot/{session_id}/verify`. */
  async verify(sessionId: string, options?: RequestOptions): Promise<ChainVerification> {
    // Verification reads only, so a lost answer may be asked again.
    return this.#transport.request({ method: "POST", path: path`/v1/cot/${sessionId}/verify`, replayable: true, options });
  }

  /** One page of sessions, in session id order: `GET /v1/cot?agent_id=&since=`. */
  async sessions(query: CotSessionQuery = {}, options?: RequestOptions): Promise<Page<CotSession>> {
    return this.#transport.request({ method: "GET", path: "/v1/cot", query: { ...query }, options });
  }

  /** Every session matching `query`, fetching pages as the loop goes. */
  allSessions(query: Omit<CotSessionQuery, "cursor"> = {}, options?: RequestOptions): AsyncGenerator<CotSession, void, undefined> {
    return paginate((cursor) => this.sessions({ ...query, cursor }, options));
  }
}
