import { ApiError } from "../http/errors";

// Postgres's `INTERVAL '1 hour'` is not SQLite grammar, so the parser could never see it. Before
// parsing, each `INTERVAL '<text>'` that stands outside strings, comments and quoted identifiers becomes
// a call of a marker function, `__sy_interval('<text>')`; the rewrite pass then turns `<ts> ± marker`
// into SQLite date arithmetic. The scan below knows SQLite's tokens well enough to never look inside a
// literal or a comment.

export const INTERVAL_MARKER = "__sy_interval";

const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/** Where the token that starts at `i` ends, for the tokens that can hide text: literals, quoted names, comments. */
function skipOpaque(sql: string, i: number): number {
  const ch = sql[i];
  const close = ch === "'" ? "'" : ch === '"' ? '"' : ch === "`" ? "`" : ch === "[" ? "]" : null;
  if (close !== null) {
    let j = i + 1;
    for (;;) {
      const end = sql.indexOf(close, j);
      if (end < 0) return sql.length;
      // '' inside '…' (and "" inside "…", `` inside `…`) is an escaped quote; [names] have no escape.
      if (close !== "]" && sql[end + 1] === close) j = end + 2;
      else return end + 1;
    }
  }
  if (ch === "-" && sql[i + 1] === "-") {
    const end = sql.indexOf("\n", i);
    return end < 0 ? sql.length : end + 1;
  }
  if (ch === "/" && sql[i + 1] === "*") {
    const end = sql.indexOf("*/", i + 2);
    return end < 0 ? sql.length : end + 2;
  }
  return i;
}

/** The index of the next character that is not whitespace or a comment. */
function skipSpace(sql: string, i: number): number {
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i] ?? "")) i++;
    if ((sql[i] === "-" && sql[i + 1] === "-") || (sql[i] === "/" && sql[i + 1] === "*")) i = skipOpaque(sql, i);
    else return i;
  }
}

/** `sql` with every `INTERVAL '<text>'` replaced by the marker call (same text otherwise). */
export function markIntervals(sql: string): string {
  let out = "";
  let copied = 0;
  let i = 0;
  while (i < sql.length) {
    const skipped = skipOpaque(sql, i);
    if (skipped !== i) {
      i = skipped;
      continue;
    }
    if (!WORD_CHAR.test(sql[i] ?? "")) {
      i++;
      continue;
    }
    const start = i;
    while (i < sql.length && WORD_CHAR.test(sql[i] ?? "")) i++;
    const before = sql[start - 1];
    // `t.interval` or a parameter named like it is a name, not the keyword.
    if (sql.slice(start, i).toLowerCase() !== "interval" || before === "." || before === ":" || before === "@") continue;
    const literalStart = skipSpace(sql, i);
    if (sql[literalStart] !== "'") continue;
    const literalEnd = skipOpaque(sql, literalStart);
    out += `${sql.slice(copied, start)}${INTERVAL_MARKER}(${sql.slice(literalStart, literalEnd)})`;
    copied = literalEnd;
    i = literalEnd;
  }
  return copied === 0 ? sql : out + sql.slice(copied);
}

type SqliteUnit = "seconds" | "minutes" | "hours" | "days" | "months" | "years";

const UNITS = new Map<string, { unit: SqliteUnit; factor: number }>();
const unit = (names: string[], to: SqliteUnit, factor = 1) => {
  for (const name of names) UNITS.set(name, { unit: to, factor });
};
unit(["millisecond", "milliseconds", "ms", "msec", "msecs"], "seconds", 0.001);
unit(["second", "seconds", "sec", "secs", "s"], "seconds");
unit(["minute", "minutes", "min", "mins", "m"], "minutes");
unit(["hour", "hours", "hr", "hrs", "h"], "hours");
unit(["day", "days", "d"], "days");
unit(["week", "weeks", "w"], "days", 7);
unit(["month", "months", "mon", "mons"], "months");
unit(["year", "years", "yr", "yrs", "y"], "years");

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const CLOCK = /^([+-]?)(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?$/;

const invalid = (text: string, why: string) =>
  new ApiError(
    "invalid_request",
    `INTERVAL '${text}' is not understood: ${why}. Write it as Postgres does, e.g. INTERVAL '1 hour', '90 minutes', '2 days 3 hours', '1 day 02:30:00', '1 hour ago'.`,
    [{ path: "sql", message: `INTERVAL '${text}': ${why}` }],
  );

/** Rounds away binary noise (0.001 * 3) without losing sub-millisecond input. */
const tidy = (n: number) => String(Number(n.toFixed(9)));

/**
 * SQLite date modifiers (`'-1 hours'`, `'+30 minutes'`) for an interval's text, added (`sign` 1) or
 * subtracted (-1). Throws 400 for text Postgres would not read as an interval either.
 */
export function intervalModifiers(text: string, sign: 1 | -1): string[] {
  const words = text.trim().toLowerCase().split(/[\s,]+/).filter(Boolean);
  let direction: number = sign;
  if (words.at(-1) === "ago") {
    direction = -direction;
    words.pop();
  }
  if (words.length === 0) throw invalid(text, "it is empty");
  const modifiers: string[] = [];
  const add = (value: number, to: SqliteUnit) => {
    if (!Number.isFinite(value)) throw invalid(text, "a number is out of range");
    if ((to === "months" || to === "years") && !Number.isInteger(value)) throw invalid(text, "months and years must be whole numbers");
    if (value === 0) return;
    const signed = value * direction;
    modifiers.push(`${signed < 0 ? "-" : "+"}${tidy(Math.abs(signed))} ${to}`);
  };
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? "";
    const clock = CLOCK.exec(word);
    if (clock) {
      const negative = clock[1] === "-" ? -1 : 1;
      add(negative * Number(clock[2]), "hours");
      add(negative * Number(clock[3]), "minutes");
      if (clock[4] !== undefined) add(negative * Number(clock[4]), "seconds");
      continue;
    }
    // "90 minutes" or "90minutes"
    const glued = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))([a-z]+)$/.exec(word);
    const amount = glued ? glued[1] : word;
    const unitName = glued ? glued[2] : words[++i];
    if (amount === undefined || !NUMBER.test(amount)) throw invalid(text, `'${word}' is not a number`);
    if (unitName === undefined) throw invalid(text, `'${amount}' has no unit`);
    const known = UNITS.get(unitName);
    if (!known) throw invalid(text, `'${unitName}' is not a unit (seconds, minutes, hours, days, weeks, months, years)`);
    add(Number(amount) * known.factor, known.unit);
  }
  return modifiers.length > 0 ? modifiers : ["+0 seconds"];
}
