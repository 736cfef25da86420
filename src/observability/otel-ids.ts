import { sha256Hex } from "../lib/crypto";

// OpenTelemetry wants a 16-byte trace id and 8-byte span ids, as lowercase hex in OTLP/JSON. Ours are
// prefixed base32 strings, so each is hashed to the size OTLP asks for: stable (the same run exports the
// same ids every time, so a retried export lands on the same trace), and never all zeros (an invalid id).

const nonZero = (hex: string) => (/^0+$/.test(hex) ? `${hex.slice(0, -1)}1` : hex);

/** The OTLP trace id of a run: 32 hex digits. */
export const traceIdOf = (runId: string): string => nonZero(sha256Hex(`switchyard-trace:${runId}`).slice(0, 32));

/** The OTLP span id of one of our spans: 16 hex digits. */
export const otelSpanIdOf = (spanId: string): string => nonZero(sha256Hex(`switchyard-span:${spanId}`).slice(0, 16));
