import { parseIpv4, parseIpv6 } from "../../lib/ip-address";

// Address parsing is shared with the guard rails' PII detector (src/lib/ip-address.ts); re-exported for this module's callers.
export { parseIpv4, parseIpv6 };

/**
 * Which IP addresses a webhook may not reach: everything that is not a public unicast address. Written
 * out as CIDR blocks (IANA special-purpose registries) so a reviewer can check them line by line.
 */

const V4_BLOCKED: ReadonlyArray<readonly [string, number, string]> = [
  ["0.0.0.0", 8, "this network"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "shared address space (carrier-grade NAT)"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local (cloud metadata lives at 169.254.169.254)"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "IETF protocol assignments"],
  ["192.0.2.0", 24, "documentation"],
  ["192.88.99.0", 24, "6to4 relay"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmarking"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved and broadcast"],
];

const V6_BLOCKED: ReadonlyArray<readonly [string, number, string]> = [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  // IPv4-mapped and -compatible, NAT64 and 6to4 embed an IPv4 address: refused whatever it is, as a
  // filter that only looked at the IPv4 part could be talked past with another spelling.
  ["::ffff:0:0", 96, "IPv4-mapped"],
  ["::ffff:0:0:0", 96, "IPv4-translated (SIIT)"],
  ["::", 96, "IPv4-compatible"],
  // The rest of ::/8 is reserved by the IETF: nothing there is a public unicast address, and it holds
  // every other spelling that puts an IPv4 address behind a run of zero groups.
  ["::", 8, "reserved"],
  ["64:ff9b::", 96, "NAT64"],
  ["64:ff9b:1::", 48, "local-use NAT64"],
  ["100::", 64, "discard-only"],
  ["2001::", 23, "IETF protocol assignments"],
  ["2001:db8::", 32, "documentation"],
  ["2002::", 16, "6to4"],
  ["fc00::", 7, "unique local (private)"],
  ["fe80::", 10, "link-local"],
  ["fec0::", 10, "site-local"],
  ["ff00::", 8, "multicast"],
];

const inV4 = (ip: number, base: string, bits: number) => {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((ip & mask) >>> 0) === ((parseIpv4(base)! & mask) >>> 0);
};

const inV6 = (ip: bigint, base: string, bits: number) => {
  const shift = BigInt(128 - bits);
  return ip >> shift === parseIpv6(base)! >> shift;
};

/** Why an IP literal is not a public address, or undefined when it is one. Not an IP at all: undefined. */
export function nonPublicReason(ip: string): string | undefined {
  const v4 = parseIpv4(ip);
  if (v4 !== undefined) return V4_BLOCKED.find(([base, bits]) => inV4(v4, base, bits))?.[2];
  const v6 = parseIpv6(ip.replace(/^\[|\]$/g, ""));
  if (v6 !== undefined) return V6_BLOCKED.find(([base, bits]) => inV6(v6, base, bits))?.[2];
  return undefined;
}

export const isIpLiteral = (host: string) => parseIpv4(host) !== undefined || parseIpv6(host.replace(/^\[|\]$/g, "")) !== undefined;
