/**
 * Reference instants written from the zones' published rules (IANA tz database), not from any
 * library: `local("2026-03-08T03:00", "-04:00")` is the instant a clock at that offset shows that time.
 *
 * 2026 transitions used by the tests:
 * - America/New_York: EST -05:00 → EDT -04:00 on 2026-03-08 at 02:00 (07:00Z);
 *   EDT → EST on 2026-11-01 at 02:00 EDT (06:00Z), so 01:00–01:59 occurs twice.
 * - Australia/Lord_Howe (a 30-minute shift): +11:00 → +10:30 on 2026-04-05 at 02:00 (2026-04-04 15:00Z),
 *   so 01:30–01:59 occurs twice; +10:30 → +11:00 on 2026-10-04 at 02:00 (2026-10-03 15:30Z), so 02:00–02:29 does not exist.
 * - Australia/Sydney (southern hemisphere): AEDT +11:00 → AEST +10:00 on 2026-04-05 at 03:00 (2026-04-04 16:00Z),
 *   so 02:00–02:59 occurs twice; AEST → AEDT on 2026-10-04 at 02:00 (2026-10-03 16:00Z), so 02:00–02:59 does not exist.
 * - Europe/London: GMT → BST on 2026-03-29 at 01:00Z; BST → GMT on 2026-10-25 at 01:00Z.
 * - Pacific/Chatham (+12:45/+13:45): +13:45 → +12:45 on 2026-04-05 at 03:45 (2026-04-04 14:00Z);
 *   +12:45 → +13:45 on 2026-09-27 at 02:45 (2026-09-26 14:00Z).
 */
export function local(wall: string, offset: string): Date {
  const [, sign, hours, minutes] = /^([+-])(\d\d):(\d\d)$/.exec(offset)!;
  const offsetMs = (sign === "-" ? -1 : 1) * (Number(hours) * 60 + Number(minutes)) * 60_000;
  return new Date(Date.parse(`${wall}:00Z`) - offsetMs);
}

export const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

export const TRANSITIONS_2026: Record<string, string[]> = {
  "America/New_York": ["2026-03-08T07:00:00Z", "2026-11-01T06:00:00Z"],
  "Australia/Lord_Howe": ["2026-04-04T15:00:00Z", "2026-10-03T15:30:00Z"],
  "Australia/Sydney": ["2026-04-04T16:00:00Z", "2026-10-03T16:00:00Z"],
  "Europe/London": ["2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z"],
  "Pacific/Chatham": ["2026-04-04T14:00:00Z", "2026-09-26T14:00:00Z"],
};
