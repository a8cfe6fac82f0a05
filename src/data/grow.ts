/** Grows a typed array to `capacity` elements, keeping the first `used` (a new array: the old one is dropped). */
export function grow<T extends Float32Array | Float64Array | Int32Array>(a: T, used: number, capacity: number): T {
  const b = new (a.constructor as new (n: number) => T)(capacity);
  b.set(a.subarray(0, used));
  return b;
}
