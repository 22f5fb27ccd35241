/**
 * Working memory of the pixel measures, reused from one output to the next. A face worker measures one
 * output at a time, and the maps it builds are megabytes per output: allocated afresh, their external
 * memory alone made V8 collect the worker's whole heap (the face models' graphs included) every few
 * outputs. Inside `withScratch`, `scratch.*` lends zeroed arrays out of one growing buffer, all taken
 * back when the outermost `withScratch` returns; outside it they are ordinary new arrays. So an array
 * from `scratch` must never outlive the call that asked for it: never part of a result.
 */
export const scratch = {
  float32: (length: number): Float32Array => take(Float32Array, length),
  float64: (length: number): Float64Array => take(Float64Array, length),
  int32: (length: number): Int32Array => take(Int32Array, length),
  uint8: (length: number): Uint8Array => take(Uint8Array, length),
};

/** Runs `task` lending `scratch` memory that is reused once the outermost such call returns. */
export function withScratch<T>(task: () => T): T {
  depth++;
  try {
    return task();
  } finally {
    if (--depth === 0) used = 0;
  }
}

type TypedArrayOf<T> = {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
  new (length: number): T;
  BYTES_PER_ELEMENT: number;
};

let depth = 0;
let buffer = new ArrayBuffer(0);
let used = 0;

function take<T extends { fill(value: number): T }>(Type: TypedArrayOf<T>, length: number): T {
  if (depth === 0) return new Type(length);
  const bytes = length * Type.BYTES_PER_ELEMENT;
  const at = Math.ceil(used / 8) * 8;
  if (at + bytes > buffer.byteLength) {
    // Arrays lent from the old buffer stay valid (they hold it); the new one fits this call's demand
    // so far twice, so after a few outputs nothing is allocated any more.
    buffer = new ArrayBuffer(Math.max(buffer.byteLength, 2 * (at + bytes)));
    used = bytes;
    return new Type(buffer, 0, length);
  }
  used = at + bytes;
  return new Type(buffer, at, length).fill(0);
}
