const encoder = new TextEncoder();

const hex = (buffer: ArrayBuffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");

/**
 * `X-Switchyard-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`. The timestamp is
 * signed with the body so a receiver can refuse old deliveries replayed by someone who recorded one.
 */
export async function signWebhook(secret: string, timestamp: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `sha256=${hex(await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestamp}.${body}`)))}`;
}

export interface WebhookRequest {
  body: string;
  headers: Record<string, string>;
}

/** The request for one attempt: the same body and event id every time, a new timestamp and attempt number. */
export async function webhookRequest(secret: string, payload: string, eventId: string, attempt: number, now = Date.now()): Promise<WebhookRequest> {
  const timestamp = String(Math.floor(now / 1000));
  return {
    body: payload,
    headers: {
      "content-type": "application/json",
      "user-agent": "Switchyard-Webhooks/1",
      "x-switchyard-event-id": eventId,
      "x-switchyard-timestamp": timestamp,
      "x-switchyard-delivery-attempt": String(attempt),
      "x-switchyard-signature": await signWebhook(secret, timestamp, payload),
    },
  };
}
