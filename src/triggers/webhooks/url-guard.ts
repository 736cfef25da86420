import { ApiError } from "../../http/errors";
import { isIpLiteral, nonPublicReason } from "./ip-ranges";
import { type HostResolver, ResolveError, hostResolver } from "./resolver";

/** Names that only mean something inside a network, never on the public internet. */
const INTERNAL_NAMES = [/^localhost$/, /\.localhost$/, /\.internal$/, /\.local$/, /\.localdomain$/, /\.home\.arpa$/, /^metadata$/, /^instance-data$/];

export const allowsPrivateWebhooks = (env: Pick<Env, "WEBHOOK_ALLOW_PRIVATE">) => env.WEBHOOK_ALLOW_PRIVATE === "true";

/**
 * Why a webhook URL may not be called, or undefined when it may: it must be http(s), with no
 * credentials, to a host that is (or resolves only to) public addresses. Checked when a trigger is saved
 * and again before every delivery (a name may point elsewhere by then).
 */
export async function webhookUrlRefusal(
  raw: string,
  options: { allowPrivate: boolean; resolver?: HostResolver },
): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "is not a valid absolute URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return `must use http or https, not ${url.protocol.replace(/:$/, "")}`;
  if (url.username || url.password) return "must not carry credentials; sign with the trigger's secret instead";
  if (options.allowPrivate) return undefined;

  // The URL parser has already turned every IPv4 spelling (decimal 2130706433, hex 0x7f.1, octal 0177.0.0.1)
  // into dotted form, and lower-cased the name.
  const host = url.hostname.replace(/\.$/, "");
  if (isIpLiteral(host)) {
    const reason = nonPublicReason(host);
    return reason ? `points at a ${reason} address (${host}); webhooks go to public addresses only` : undefined;
  }
  if (!host.includes(".") || INTERNAL_NAMES.some((re) => re.test(host))) return `names an internal host (${host}); webhooks go to public addresses only`;

  let addresses: string[];
  try {
    addresses = await (options.resolver ?? hostResolver()).resolve(host);
  } catch (err) {
    if (err instanceof ResolveError) return `could not be checked: ${err.message}`;
    throw err;
  }
  if (addresses.length === 0) return `names a host with no addresses (${host})`;
  for (const address of addresses) {
    const reason = nonPublicReason(address);
    if (reason) return `resolves to a ${reason} address (${host} → ${address}); webhooks go to public addresses only`;
  }
  return undefined;
}

/** For the API: a refused URL is the caller's 400, naming the field. */
export async function assertWebhookUrl(raw: string, env: Pick<Env, "WEBHOOK_ALLOW_PRIVATE">, field = "action.url"): Promise<void> {
  const refusal = await webhookUrlRefusal(raw, { allowPrivate: allowsPrivateWebhooks(env) });
  if (refusal) throw new ApiError("invalid_request", `The webhook URL ${refusal}.`, [{ path: field, message: refusal }]);
}
