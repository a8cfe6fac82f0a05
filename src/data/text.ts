/**
 * charVocab: a character vocabulary for character-level models. Characters are Unicode code points
 * (a surrogate pair such as an emoji is one character), sorted by code point, so the ids are those
 * of Python's `sorted(set(text))` (../shared/bench/torch_lstm.py). Reserved tokens, when asked for,
 * take the first ids.
 */
import { checkOptions } from '../model/options';
import { Tensor } from '../tensor';
import { describe } from './args';

export interface CharVocabOptions {
  /** Lowercase the text (String.prototype.toLowerCase, as Python's str.lower) before collecting its
   *  characters; encode then lowercases its text too. Default false. */
  lowercase?: boolean;
  /** Tokens given the first ids, in this order (e.g. ['<pad>', '<unk>']): distinct non-empty
   *  strings. decode writes them as they are; a one-character token also stands for that character. */
  reserved?: string[];
  /** One of the reserved tokens: encode gives its id to characters outside the vocabulary instead
   *  of throwing. */
  unknown?: string;
}

/** What toJSON writes and fromJSON reads. */
export interface CharVocabJSON {
  type: 'charVocab';
  version: 1;
  /** Every token by id: the reserved ones first, then one character each. */
  chars: string[];
  /** How many of chars are reserved tokens. */
  reserved: number;
  lowercase: boolean;
  unknown: string | null;
}

const BMP = 0x10000;

/** The code point starting at UTF-16 offset i (a lone surrogate counts as itself, as for…of does). */
function codePointAt(s: string, i: number): number {
  const hi = s.charCodeAt(i);
  if (hi >= 0xd800 && hi <= 0xdbff && i + 1 < s.length) {
    const lo = s.charCodeAt(i + 1);
    if (lo >= 0xdc00 && lo <= 0xdfff) return (hi - 0xd800) * 0x400 + (lo - 0xdc00) + BMP;
  }
  return hi;
}

/** `"é" (U+00E9)`: a character as JSON (control characters visible) and its code point. */
function showChar(cp: number): string {
  return `${JSON.stringify(String.fromCodePoint(cp))} (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
}

export class CharVocab {
  /** Number of ids: reserved tokens and characters. */
  readonly size: number;
  /** The token of each id (chars[id]): reserved tokens first, then the characters by code point. */
  readonly chars: readonly string[];
  /** How many of the first ids are reserved tokens. */
  readonly reserved: number;
  readonly lowercase: boolean;
  /** The reserved token that characters outside the vocabulary encode as, or null (they throw). */
  readonly unknown: string | null;
  /** id of each BMP code point (−1: none); astral characters in a Map. */
  private readonly bmpIds = new Int32Array(BMP).fill(-1);
  private readonly astralIds = new Map<number, number>();
  private readonly unknownId: number;

  /** Use nn.data.charVocab(text) or CharVocab.fromJSON(json); the arguments are checked there. */
  private constructor(chars: string[], reserved: number, lowercase: boolean, unknown: string | null) {
    this.chars = Object.freeze(chars);
    this.size = chars.length;
    this.reserved = reserved;
    this.lowercase = lowercase;
    this.unknown = unknown;
    this.unknownId = unknown === null ? -1 : chars.indexOf(unknown);
    for (let id = 0; id < chars.length; id++) {
      const c = chars[id];
      const cp = c.codePointAt(0)!;
      if (String.fromCodePoint(cp) !== c) continue; // a multi-character reserved token
      if (cp < BMP) this.bmpIds[cp] = id;
      else this.astralIds.set(cp, id);
    }
  }

  /** The ids of text's characters, one per code point (so ids[i] is the i-th character). */
  encode(text: string): Int32Array {
    if (typeof text !== 'string') throw new TypeError(`encode: text must be a string, got ${describe(text)}`);
    const s = this.lowercase ? text.toLowerCase() : text;
    const out = new Int32Array(s.length); // UTF-16 units: at least as many as characters
    let n = 0;
    for (let i = 0; i < s.length; i++, n++) {
      const cp = codePointAt(s, i);
      if (cp >= BMP) i++;
      let id = cp < BMP ? this.bmpIds[cp] : (this.astralIds.get(cp) ?? -1);
      if (id < 0) {
        if (this.unknownId < 0) {
          throw new RangeError(
            `encode: character ${n} of text${this.lowercase ? ' (lowercased)' : ''}, ${showChar(cp)}, is not in the vocabulary (${this.size} ids); to encode such characters, build the vocabulary with a reserved unknown token (options reserved and unknown)`,
          );
        }
        id = this.unknownId;
      }
      out[n] = id;
    }
    return n === out.length ? out : out.slice(0, n);
  }

  /** The text of a sequence of ids (Int32Array, Float32Array of whole numbers, number[] or a 1-D Tensor). */
  decode(ids: Int32Array | Float32Array | number[] | Tensor): string {
    let v: ArrayLike<unknown>;
    if (ids instanceof Tensor) {
      if (ids.rank !== 1) {
        throw new RangeError(
          `decode: ids must be a 1-D Tensor, got shape [${ids.shape.join(', ')}]; decode one row at a time`,
        );
      }
      v = ids.data;
    } else if (ids instanceof Int32Array || ids instanceof Float32Array || Array.isArray(ids)) {
      v = ids;
    } else {
      throw new TypeError(
        `decode: ids must be an Int32Array, Float32Array, number[] or 1-D Tensor, got ${describe(ids)}`,
      );
    }
    let out = '';
    for (let i = 0; i < v.length; i++) {
      const id = v[i];
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= this.size) {
        throw new RangeError(
          `decode: ids[${i}] must be an integer id from 0 to ${this.size - 1} (the vocabulary's size is ${this.size}), got ${describe(id)}`,
        );
      }
      out += this.chars[id];
    }
    return out;
  }

  /** A plain object to save next to a model (JSON.stringify calls this). */
  toJSON(): CharVocabJSON {
    const { reserved, lowercase, unknown } = this;
    return { type: 'charVocab', version: 1, chars: [...this.chars], reserved, lowercase, unknown };
  }

  /** The vocabulary toJSON saved (the object, or its JSON text), every field checked. */
  static fromJSON(json: CharVocabJSON | string): CharVocab {
    const fn = 'charVocab.fromJSON';
    let j: unknown = json;
    if (typeof json === 'string') {
      try {
        j = JSON.parse(json);
      } catch (err) {
        throw new TypeError(`${fn}: json is not valid JSON: ${(err as Error).message}`);
      }
    }
    if (typeof j !== 'object' || j === null || (j as { type?: unknown }).type !== 'charVocab') {
      throw new TypeError(`${fn}: json must be an object with type "charVocab" (from toJSON), got ${describe(j)}`);
    }
    const o = j as Record<string, unknown>;
    if (o.version !== 1) throw new RangeError(`${fn}: version must be 1, got ${describe(o.version)}`);
    const { reserved, lowercase, unknown } = o;
    if (!Array.isArray(o.chars))
      throw new TypeError(`${fn}: chars must be an array of strings, got ${describe(o.chars)}`);
    const chars: unknown[] = [...o.chars]; // copy, then check the copy: the caller keeps its array
    if (typeof reserved !== 'number' || !Number.isInteger(reserved) || reserved < 0 || reserved > chars.length) {
      throw new RangeError(`${fn}: reserved must be an integer from 0 to ${chars.length}, got ${describe(reserved)}`);
    }
    chars.forEach((c, i) => {
      const ok =
        typeof c === 'string' &&
        (i < reserved ? c.length > 0 : c.length > 0 && String.fromCodePoint(c.codePointAt(0)!) === c);
      if (!ok) {
        const what = i < reserved ? 'a non-empty string (a reserved token)' : 'one character';
        throw new TypeError(`${fn}: chars[${i}] must be ${what}, got ${describe(c)}`);
      }
    });
    const seen = new Set<string>();
    (chars as string[]).forEach((c, i) => {
      if (seen.has(c)) throw new RangeError(`${fn}: chars[${i}] ${JSON.stringify(c)} appears twice`);
      seen.add(c);
    });
    if (chars.length === 0) throw new RangeError(`${fn}: chars is empty`);
    if (typeof lowercase !== 'boolean')
      throw new TypeError(`${fn}: lowercase must be a boolean, got ${describe(lowercase)}`);
    if (unknown !== null && (typeof unknown !== 'string' || !chars.slice(0, reserved).includes(unknown))) {
      throw new RangeError(`${fn}: unknown must be null or one of the reserved tokens, got ${describe(unknown)}`);
    }
    return new CharVocab(chars as string[], reserved, lowercase, unknown as string | null);
  }
}

/** The distinct characters of s by code point (BMP ones in a flag table, astral ones in a Set). */
function sortedChars(s: string): string[] {
  const seenBmp = new Uint8Array(BMP);
  const astral = new Set<number>();
  for (let i = 0; i < s.length; i++) {
    const cp = codePointAt(s, i);
    if (cp < BMP) seenBmp[cp] = 1;
    else {
      astral.add(cp);
      i++;
    }
  }
  const out: string[] = [];
  for (let cp = 0; cp < BMP; cp++) if (seenBmp[cp]) out.push(String.fromCharCode(cp));
  for (const cp of [...astral].sort((a, b) => a - b)) out.push(String.fromCodePoint(cp));
  return out;
}

function checkReserved(fn: string, v: unknown): string[] {
  if (!Array.isArray(v)) throw new TypeError(`${fn}: reserved must be an array of strings, got ${describe(v)}`);
  const out: string[] = [];
  v.forEach((t, i) => {
    if (typeof t !== 'string' || t.length === 0)
      throw new TypeError(`${fn}: reserved[${i}] must be a non-empty string, got ${describe(t)}`);
    if (out.includes(t)) throw new RangeError(`${fn}: reserved[${i}] ${JSON.stringify(t)} appears twice`);
    out.push(t);
  });
  return out;
}

/**
 * The characters of `text` as a vocabulary: `size`, `chars` (the token of each id), `encode(text)`
 * → Int32Array ids, `decode(ids)` → string, `toJSON()`; `charVocab.fromJSON(json)` restores one.
 */
export function charVocab(text: string, options?: CharVocabOptions): CharVocab {
  const fn = 'charVocab';
  if (typeof text !== 'string') throw new TypeError(`${fn}: text must be a string, got ${describe(text)}`);
  const o = checkOptions(fn, options, ['lowercase', 'reserved', 'unknown']);
  const lowercase = o.lowercase ?? false;
  if (typeof lowercase !== 'boolean')
    throw new TypeError(`${fn}: lowercase must be a boolean, got ${describe(lowercase)}`);
  const reserved = o.reserved === undefined ? [] : checkReserved(fn, o.reserved);
  let unknown: string | null = null;
  if (o.unknown !== undefined) {
    if (typeof o.unknown !== 'string')
      throw new TypeError(`${fn}: unknown must be a string, got ${describe(o.unknown)}`);
    if (!reserved.includes(o.unknown)) {
      throw new RangeError(
        `${fn}: unknown ${JSON.stringify(o.unknown)} must be one of the reserved tokens (e.g. reserved: [${JSON.stringify(o.unknown)}])`,
      );
    }
    unknown = o.unknown;
  }
  const chars = [
    ...reserved,
    ...sortedChars(lowercase ? text.toLowerCase() : text).filter((c) => !reserved.includes(c)),
  ];
  if (chars.length === 0)
    throw new RangeError(`${fn}: text is empty and no reserved tokens are given: the vocabulary would be empty`);
  // One way in: the same checks as a saved vocabulary.
  return CharVocab.fromJSON({ type: 'charVocab', version: 1, chars, reserved: reserved.length, lowercase, unknown });
}

/** Restores a vocabulary saved with toJSON() (the object or its JSON text). */
charVocab.fromJSON = (json: CharVocabJSON | string): CharVocab => CharVocab.fromJSON(json);
