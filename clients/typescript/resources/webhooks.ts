import type * as wire from "../api-types.ts";
import { type Page, paginate } from "../pagination.ts";
import { path } from "../path.ts";
import type { RequestOptions, Transport } from "../transport.ts";

/** One webhook delivery: `pending`, `failed` (retrying), `succeeded` or `dead` (replayable). */
export type WebhookDelivery = wire.Delivery;
/** `GET /v1/webhooks/deliveries`: page options, and optionally `status` and `trigger_id`. */
export type ListDeliveriesOptions = Partial<wire.DeliveryListQuery>;

/** Webhook deliveries (`/v1/webhooks/deliveries`): what was sent, what failed, and sending it again. */
export class WebhookDeliveriesResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** One page of deliveries, newest first. */
  async list(query: ListDeliveriesOptions = {}, options?: RequestOptions): Promise<Page<WebhookDelivery>> {
    return this.#transport.request({ method: "GET", path: "/v1/webhooks/deliveries", query: { ...query }, options });
  }

  /** Every delivery matching `query`, fetching pages as the loop goes. */
  listAll(query: Omit<ListDeliveriesOptions, "cursor"> = {}, options?: RequestOptions): AsyncGenerator<WebhookDelivery, void, undefined> {
    return paginate((cursor) => this.list({ ...query, cursor }, options));
  }

  /** Sends a delivery again (same body and event id, new signature): `POST …/{delivery_id}/replay`. 409 while queued. */
  async replay(deliveryId: string, options?: RequestOptions): Promise<WebhookDelivery> {
    return this.#transport.request({ method: "POST", path: path`/v1/webhooks/deliveries/${deliveryId}/replay`, options });
  }
}

/** Webhooks: `client.webhooks.deliveries.list()` and `.replay()`. */
export class WebhooksResource {
  readonly deliveries: WebhookDeliveriesResource;

  constructor(transport: Transport) {
    this.deliveries = new WebhookDeliveriesResource(transport);
  }
}
