/**
 * IP address text to numbers, strictly: one parser for every part of Switchyard that reads addresses (the
 * webhook guard's blocked ranges, the guard rails' PII detector), so they agree on what an address is.
 */

/**
 * Dotted-quad IPv4 to a number. Only the dotted decimal form: the URL parser normalises every other IPv4
 * spelling (decimal, hex, octal) into it before the webhook guard looks.
 */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

/** An IPv6 address (without brackets) to its 16 bytes as a bigint; handles `::` and a dotted IPv4 tail. */
export function parseIpv6(text: string): bigint | undefined {
  let input = text.toLowerCase();
  const zone = input.indexOf("%");
  if (zone >= 0) input = input.slice(0, zone);
  const lastColon = input.lastIndexOf(":");
  if (lastColon < 0) return undefined;
  const last = input.slice(lastColon + 1);
  if (last.includes(".")) {
    // A dotted IPv4 tail (`::ffff:127.0.0.1`) is the last two groups.
    const v4 = parseIpv4(last);
    if (v4 === undefined) return undefined;
    input = `${input.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const halves = input.split("::");
  if (halves.length > 2) return undefined;
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((h) => (/^[0-9a-f]{1,4}$/.test(h) ? parseInt(h, 16) : NaN)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...rest];
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g))) return undefined;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}
