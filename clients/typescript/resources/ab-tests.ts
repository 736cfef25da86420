import type * as wire from "../api-types.ts";
import { type Page, type PageOptions, paginate } from "../pagination.ts";
import { path } from "../path.ts";
import type { CreateOptions, RequestOptions, Transport } from "../transport.ts";

/** An A/B test: its configuration, both arms' figures, each metric's verdict, the sample-ratio check and the recommendation. */
export type AbTest = wire.AbTest;
export type AbTestStatus = AbTest["status"];
export type AbTestArm = AbTest["arms"]["a"];
export type AbMetricName = wire.CreateAbTest["metrics"][number];
/** What starting a test sends: the agent, versions a and b, the split, the metrics and the options. */
export type CreateAbTestInput = wire.CreateAbTestInput;

export interface ListAbTestsOptions extends PageOptions, RequestOptions {
  agent?: string;
  status?: wire.ListAbTestsQueryInput["status"];
}

/**
 * A/B tests of agent versions (`/v1/ab-tests`): start, read, list, stop, promote. Starting, stopping and
 * promoting are an admin's; every key reads.
 *
 * @example
 * const test = await admin.abTests.create({
 *   agent: "revenue-analyst",
 *   versions: { a: "1.2.0", b: "1.3.0-beta" },
 *   traffic_split: { a: 80, b: 20 },
 *   metrics: ["success_rate", "avg_duration_ms", "avg_token_usage", "quality_score"],
 *   duration_days: 14,
 * });
 * const now = await admin.abTests.get(test.ab_test_id);
 * if (now.recommendation === "promote_b") await admin.abTests.promote(test.ab_test_id);
 */
export class AbTestsResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Starts a test: `POST /v1/ab-tests`. `input` is the test's fields, or a YAML document such as the seed's
   * `ab_test:` block (a string). A second running test of the same agent is a 409 `SwitchyardError`.
   */
  async create(input: CreateAbTestInput | string, options?: CreateOptions): Promise<AbTest> {
    const body = typeof input === "string" ? { text: { body: input, contentType: "application/yaml" } } : { body: input };
    return this.#transport.request({ method: "POST", path: "/v1/ab-tests", ...body, creates: true, options });
  }

  /** The test with its arms and verdict, computed from aggregates: `GET /v1/ab-tests/{ab_test_id}`. */
  async get(abTestId: string, options?: RequestOptions): Promise<AbTest> {
    return this.#transport.request({ method: "GET", path: path`/v1/ab-tests/${abTestId}`, options });
  }

  /** Tests, newest first: `GET /v1/ab-tests?agent=&status=`. */
  async list(options: ListAbTestsOptions = {}): Promise<Page<AbTest>> {
    const { limit, cursor, agent, status, ...requestOptions } = options;
    return this.#transport.request<wire.AbTestList>({ method: "GET", path: "/v1/ab-tests", query: { limit, cursor, agent, status }, options: requestOptions });
  }

  listAll(options: Omit<ListAbTestsOptions, "cursor"> = {}): AsyncIterable<AbTest> {
    return paginate((cursor) => this.list({ ...options, ...(cursor ? { cursor } : {}) }));
  }

  /** Stops a running test; later runs that resolve `latest` go to version a. */
  async stop(abTestId: string, reason?: string, options?: RequestOptions): Promise<AbTest> {
    return this.#transport.request({ method: "POST", path: path`/v1/ab-tests/${abTestId}/stop`, body: reason === undefined ? {} : { reason }, options });
  }

  /** Promotes version b in the catalog (`latest` names it) and ends the test. */
  async promote(abTestId: string, options?: RequestOptions): Promise<AbTest> {
    return this.#transport.request({ method: "POST", path: path`/v1/ab-tests/${abTestId}/promote`, options });
  }
}
