/** Turns a host name into the addresses a request to it could reach. */
export interface HostResolver {
  /** Every A and AAAA address of the name; throws `ResolveError` when they cannot be known. */
  resolve(hostname: string): Promise<string[]>;
}

export class ResolveError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ResolveError";
  }
}

const DOH_ENDPOINT = "https://cloudflare-dns.com/dns-query";
const RECORD_TYPES = { A: 1, AAAA: 28 } as const;

interface DohAnswer {
  Status?: number;
  Answer?: Array<{ type: number; data: string }>;
}

/**
 * DNS over HTTPS (JSON API). A Worker has no resolver of its own to ask, and fetch() does not say which
 * address it connected to, so names are resolved here first and every address must be public.
 */
export const dohResolver: HostResolver = {
  async resolve(hostname) {
    const answers = await Promise.all(
      Object.entries(RECORD_TYPES).map(async ([type, code]) => {
        let res: Response;
        try {
          res = await fetch(`${DOH_ENDPOINT}?name=${encodeURIComponent(hostname)}&type=${type}`, {
            headers: { accept: "application/dns-json" },
            signal: AbortSignal.timeout(5_000),
          });
        } catch (err) {
          throw new ResolveError(`the DNS lookup of ${hostname} failed`, { cause: err });
        }
        if (!res.ok) throw new ResolveError(`the DNS lookup of ${hostname} answered ${res.status}`);
        const body = (await res.json()) as DohAnswer;
        // NXDOMAIN (3) is an answer: no addresses. Anything else but NOERROR leaves the name unknown.
        if (body.Status !== 0 && body.Status !== 3) throw new ResolveError(`the DNS lookup of ${hostname} failed (status ${body.Status})`);
        return (body.Answer ?? []).filter((a) => a.type === code).map((a) => a.data);
      }),
    );
    return answers.flat();
  },
};

let override: HostResolver | undefined;

/** The resolver in use: DNS over HTTPS, unless a test put another in place. */
export const hostResolver = (): HostResolver => override ?? dohResolver;

/** For tests (this machine has no outside network): answers from a table instead of DNS. */
export function useResolverForTests(resolver: HostResolver | undefined): void {
  override = resolver;
}
