/**
 * Int8 scalar quantisation of a vector's direction, with the error it makes. The shard scans these codes
 * (a quarter of float32's memory) and uses `errorBound` to prove which vectors could still beat the best
 * exact scores, so quantisation never changes an answer, only how much of it has to be re-scored.
 */
export interface QuantisedVector {
  /** The unit vector's components divided by `scale`, rounded into -127..127. */
  codes: Int8Array;
  scale: number;
  /** ‖unit − codes·scale‖: for a unit query, |exact cosine − approximate cosine| is at most this. */
  errorBound: number;
}

export function quantiseDirection(values: Float32Array): QuantisedVector {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]! * values[i]!;
  const inverseNorm = 1 / Math.sqrt(sum);
  let maxAbs = 0;
  for (let i = 0; i < n; i++) maxAbs = Math.max(maxAbs, Math.abs(values[i]! * inverseNorm));
  const scale = maxAbs / 127;
  const codes = new Int8Array(n);
  let squaredError = 0;
  for (let i = 0; i < n; i++) {
    const component = values[i]! * inverseNorm;
    const code = Math.max(-127, Math.min(127, Math.round(component / scale)));
    codes[i] = code;
    const error = component - code * scale;
    squaredError += error * error;
  }
  return { codes, scale, errorBound: Math.sqrt(squaredError) };
}

/** The cosine similarity of a unit query (float64) and a stored float32 vector, computed exactly in float64. */
export function exactCosine(unitQuery: Float64Array, values: Float32Array): number {
  let dot = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    dot += unitQuery[i]! * x;
    sum += x * x;
  }
  return sum === 0 ? 0 : dot / Math.sqrt(sum);
}

/** The query scaled to unit length in float64. */
export function unitQuery(values: Float32Array | number[]): Float64Array {
  const q = Float64Array.from(values);
  let sum = 0;
  for (let i = 0; i < q.length; i++) sum += q[i]! * q[i]!;
  const inverseNorm = 1 / Math.sqrt(sum);
  for (let i = 0; i < q.length; i++) q[i]! *= inverseNorm;
  return q;
}
