/**
 * Number parsing straight from the bytes of a CSV buffer, without making a string per cell.
 * The fast path takes plain decimals (sign, ≤ 15 significant digits, optional fraction and
 * exponent, |decimal exponent| ≤ 22): then mantissa and 10^e are exact doubles and one multiply
 * or divide rounds correctly (Clinger's fast path), so the result equals Number(text). Anything
 * else falls back to Number(text) on the decoded cell.
 */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i); // exact doubles up to 1e22

const SPACE = 32;
const TAB = 9;

/** Bounds of a cell with surrounding spaces/tabs removed (written here to avoid allocating). */
export const trimmed = { start: 0, end: 0 };

export function trim(buf: Uint8Array, start: number, end: number): void {
  while (start < end && (buf[start] === SPACE || buf[start] === TAB)) start++;
  while (end > start && (buf[end - 1] === SPACE || buf[end - 1] === TAB)) end--;
  trimmed.start = start;
  trimmed.end = end;
}

/** The number in buf[start, end) (already trimmed, non-empty); NaN when it is not one. */
export function parseNumber(buf: Buffer, start: number, end: number): number {
  const fast = scanNumber(buf, start, end);
  if (!Number.isNaN(fast) && numberEnd === end) return fast; // the fast path took all of it
  return Number(buf.toString('latin1', start, end)); // non-ASCII text is not a number either way
}

/** Where the last scanNumber stopped. */
export let numberEnd = 0;

/**
 * A plain decimal starting at `start`, read up to the first byte that cannot continue it
 * (numberEnd says where, at most `end`). NaN when there is no plain decimal there or it is
 * beyond the fast path; the caller decides whether what follows ends the cell.
 */
export function scanNumber(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  let negative = false;
  if (buf[i] === 45 /* - */) {
    negative = true;
    i++;
  } else if (buf[i] === 43 /* + */) i++;
  let mantissa = 0;
  let digits = 0; // significant digits taken into mantissa
  let exponent = 0;
  let sawDigit = false;
  for (; i < end; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) break;
    sawDigit = true;
    if (digits > 0 || d !== 0) {
      if (digits === 15) return Number.NaN;
      mantissa = mantissa * 10 + d;
      digits++;
    }
  }
  if (i < end && buf[i] === 46 /* . */) {
    for (i++; i < end; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      sawDigit = true;
      if (digits > 0 || d !== 0) {
        if (digits === 15) return Number.NaN;
        mantissa = mantissa * 10 + d;
        digits++;
      }
      exponent--;
    }
  }
  if (!sawDigit) return Number.NaN;
  if (i < end && (buf[i] === 101 || buf[i] === 69) /* e E */) {
    i++;
    let expNegative = false;
    if (buf[i] === 45) {
      expNegative = true;
      i++;
    } else if (buf[i] === 43) i++;
    let e = 0;
    const expStart = i;
    for (; i < end; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      if (e < 1000) e = e * 10 + d;
    }
    if (i === expStart) return Number.NaN;
    exponent += expNegative ? -e : e;
  }
  numberEnd = i;
  if (mantissa === 0) return negative ? -0 : 0;
  let value: number;
  if (exponent >= 0 && exponent <= 22) value = mantissa * POW10[exponent];
  else if (exponent < 0 && exponent >= -22) value = mantissa / POW10[-exponent];
  else return Number.NaN;
  return negative ? -value : value;
}
