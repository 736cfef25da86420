/**
 * The guard rails' PII pass over a JSON value: every string (object keys too) goes through the chosen
 * detectors; each finding comes back with the JSON path of the string it is in, and in `redact` mode the
 * value comes back with each finding replaced by `[REDACTED:<kind>]`.
 *
 * The walk is iterative, with its own stack: no depth of nesting can overflow the call stack. Nothing is
 * copied unless something is redacted, and then only the objects and arrays on the way to a change are:
 * untouched branches of the result are the input's own (treat both as read-only, as parsed JSON is).
 *
 * Paths never contain the PII they point at: a key that carries PII appears redacted in every path through
 * it (`$.contacts["[REDACTED:email]"].phone`). A finding's `text` is the PII itself: for the caller to
 * decide with, never to log or to echo in an error.
 */
import type { CountryCode } from "libphonenumber-js/core";
import { findPiiPrepared, prepareDetection, redactText, type FindPiiOptions } from "./pii/detectors";
import type { PiiFinding, PiiKind } from "./pii/types";

export type PiiMode = "redact" | "reject";

export type ScanJsonOptions = {
  /** The kinds to look for (a guard rail's `pii.detect`). */
  detect: readonly PiiKind[];
  /** `redact` returns the value with findings replaced; `reject` only reports them (nothing is copied). */
  mode: PiiMode;
  /** Regions whose national phone formats are read; default US and GB. */
  phoneRegions?: readonly CountryCode[] | undefined;
  /** Replaces registry detectors (tests). */
  detectors?: FindPiiOptions["detectors"];
};

/** A finding in a JSON value: where the string is (`$.customer.emails[2]`) and whether it is a key or a value. */
export type JsonPiiFinding = PiiFinding & { path: string; part: "key" | "value" };

export type ScanJsonResult<T> = {
  /** In document order (depth first, keys before their values). */
  findings: JsonPiiFinding[];
  /** `redact`: the redacted value (the input itself when nothing was found). `reject`: the input. */
  value: T;
};

type Container = unknown[] | Record<string, unknown>;

type Frame = {
  node: Container;
  /** An object's own keys, in order; undefined for an array. */
  keys: string[] | undefined;
  /** The next child to visit. */
  index: number;
  /** The copy, made once something inside changed; undefined until then. */
  out: Container | undefined;
  /** How the parent reaches this node: a key, an index, or undefined for the root. */
  segment: string | number | undefined;
  /** The nearest key at or above this node: the label of array items' strings. */
  label: string | undefined;
  /** Of the child being walked: its key in the output, and whether that key was redacted. */
  childKey: string;
  childKeyChanged: boolean;
};

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** JSONPath: `.name` for a key that is an identifier, `["any key"]` for the rest, `[3]` for an index. */
function segmentText(segment: string | number | undefined): string {
  if (segment === undefined) return "$";
  if (typeof segment === "number") return `[${segment}]`;
  return IDENTIFIER.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
}

function isContainer(value: unknown): value is Container {
  if (Array.isArray(value)) return true;
  if (value === null || typeof value !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const frameOf = (node: Container, segment: string | number | undefined, label: string | undefined): Frame => ({
  node,
  keys: Array.isArray(node) ? undefined : Object.keys(node),
  index: 0,
  out: undefined,
  segment,
  label,
  childKey: "",
  childKeyChanged: false,
});

/** Own property, even for `__proto__` (plain assignment would set the prototype instead). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/** Adds the visited child to the frame's copy, making the copy first if this child is the first change. */
function place(frame: Frame, key: string, value: unknown, changed: boolean): void {
  if (frame.out === undefined && changed) {
    if (frame.keys === undefined) frame.out = (frame.node as unknown[]).slice(0, frame.index);
    else {
      const copy: Record<string, unknown> = {};
      const node = frame.node as Record<string, unknown>;
      for (let i = 0; i < frame.index; i++) setOwn(copy, frame.keys[i]!, node[frame.keys[i]!]);
      frame.out = copy;
    }
  }
  if (frame.out !== undefined) {
    if (Array.isArray(frame.out)) frame.out.push(value);
    else setOwn(frame.out, key, value);
  }
  frame.index++;
}

/**
 * A redacted key that would collide with another key of the same object (two addresses redacted alike, or
 * a key that already reads `[REDACTED:email]`) gets ` (2)`, ` (3)`… so that no member is lost.
 */
function freeKey(frame: Frame, wanted: string): string {
  let key = wanted;
  for (let n = 2; Object.hasOwn(frame.node, key) || (frame.out !== undefined && Object.hasOwn(frame.out, key)); n++) key = `${wanted} (${n})`;
  return key;
}

/** Finds (and in `redact` mode replaces) the chosen kinds of PII in every string of a JSON value. */
export function scanJson<T>(value: T, options: ScanJsonOptions): ScanJsonResult<T> {
  const redact = options.mode === "redact";
  const findings: JsonPiiFinding[] = [];
  const prepared = prepareDetection(options);
  const find = (text: string, label: string | undefined) => findPiiPrepared(text, prepared, label);
  // Arrays of records repeat the same few keys thousands of times: each is looked at once.
  const keyFindings = new Map<string, readonly PiiFinding[]>();

  if (typeof value === "string") {
    const found = find(value, undefined);
    for (const f of found) findings.push({ ...f, path: "$", part: "value" });
    return { findings, value: (redact && found.length > 0 ? redactText(value, found) : value) as T };
  }
  if (!isContainer(value)) return { findings, value };

  const stack: Frame[] = [frameOf(value, undefined, undefined)];
  // Paths are only written out for findings: most strings have none.
  const pathTo = (segment: string | number) => {
    let path = "";
    for (const frame of stack) path += segmentText(frame.segment);
    return path + segmentText(segment);
  };

  while (true) {
    const frame = stack[stack.length - 1]!;
    const length = frame.keys === undefined ? (frame.node as unknown[]).length : frame.keys.length;
    if (frame.index >= length) {
      stack.pop();
      const done = frame.out ?? frame.node;
      const parent = stack[stack.length - 1];
      if (parent === undefined) return { findings, value: done as T };
      place(parent, parent.childKey, done, done !== frame.node || parent.childKeyChanged);
      continue;
    }

    let key = "";
    let keyChanged = false;
    let segment: string | number;
    let child: unknown;
    let label: string | undefined;
    if (frame.keys === undefined) {
      child = (frame.node as unknown[])[frame.index];
      segment = frame.index;
      label = frame.label;
    } else {
      const original = frame.keys[frame.index]!;
      child = (frame.node as Record<string, unknown>)[original];
      label = original;
      key = original;
      let inKey = keyFindings.get(original);
      if (inKey === undefined) {
        inKey = find(original, undefined);
        keyFindings.set(original, inKey);
      }
      if (inKey.length > 0) {
        const redactedKey = redactText(original, inKey);
        key = redact ? freeKey(frame, redactedKey) : redactedKey;
        keyChanged = true;
      }
      segment = key;
      for (const f of inKey) findings.push({ ...f, path: pathTo(segment), part: "key" });
    }

    if (typeof child === "string") {
      const found = find(child, label);
      for (const f of found) findings.push({ ...f, path: pathTo(segment), part: "value" });
      const after = redact && found.length > 0 ? redactText(child, found) : child;
      place(frame, key, after, redact && (keyChanged || after !== child));
    } else if (isContainer(child)) {
      frame.childKey = key;
      frame.childKeyChanged = redact && keyChanged;
      stack.push(frameOf(child, segment, label));
    } else {
      place(frame, key, child, redact && keyChanged);
    }
  }
}
