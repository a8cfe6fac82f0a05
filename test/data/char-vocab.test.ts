/** nn.data.charVocab (issue 11 item 3): ids by code point as Python's sorted(set(text)), surrogate
 *  pairs as one character, reserved tokens, JSON round trips and every error message. */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src';
import { Random } from '../../src/util/random';

const err = (f: () => unknown): Error => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
};

describe('nn.data.charVocab', () => {
  it('gives the sorted characters ids 0.. and encodes and decodes with them', () => {
    const v = nn.data.charVocab('banana');
    expect(v.size).toBe(3);
    expect(v.chars).toEqual(['a', 'b', 'n']);
    const ids = v.encode('banana');
    expect(ids).toBeInstanceOf(Int32Array);
    expect(Array.from(ids)).toEqual([1, 0, 2, 0, 2, 0]);
    expect(v.decode(ids)).toBe('banana');
    expect(v.decode([2, 0, 1])).toBe('nab');
    expect(v.decode(Float32Array.of(1, 1))).toBe('bb');
    expect(v.decode(nn.tensor1d(Int32Array.of(0, 2)))).toBe('an');
    expect(v.decode([])).toBe('');
    expect(v.encode('').length).toBe(0);
  });

  it('sorts by code point, as Python does, not by UTF-16 unit (an emoji after U+FF01)', () => {
    // In UTF-16 the emoji starts with 0xD83D < 0xFF01; by code point U+1F600 > U+FF01.
    const v = nn.data.charVocab('😀！a');
    expect(v.chars).toEqual(['a', '！', '😀']);
  });

  it('treats a surrogate pair as one character, and a lone surrogate as its own', () => {
    const text = '😀a😀\u{10348}b\uD800';
    const v = nn.data.charVocab(text);
    expect(v.chars).toEqual(['a', 'b', '\uD800', '\u{10348}', '😀']);
    const ids = v.encode(text);
    expect(Array.from(ids)).toEqual([4, 0, 4, 3, 1, 2]); // one id per code point
    expect(v.decode(ids)).toBe(text);
  });

  it('lowercases the whole text as Python str.lower does (final sigma), and encode too', () => {
    const v = nn.data.charVocab('Hello ΟΔΟΣ', { lowercase: true });
    expect(v.chars).toEqual([' ', 'e', 'h', 'l', 'o', 'δ', 'ο', 'ς']);
    expect(v.decode(v.encode('HELLO οδος'))).toBe('hello οδος');
    expect(v.lowercase).toBe(true);
  });

  it('puts reserved tokens first and maps unknown characters to the unknown token', () => {
    const v = nn.data.charVocab('ab', { reserved: ['<pad>', '<unk>'], unknown: '<unk>' });
    expect(v.chars).toEqual(['<pad>', '<unk>', 'a', 'b']);
    expect(v.reserved).toBe(2);
    expect(Array.from(v.encode('abz😀'))).toEqual([2, 3, 1, 1]);
    expect(v.decode([0, 2, 1])).toBe('<pad>a<unk>');
  });

  it('a one-character reserved token keeps its reserved id and stands for that character', () => {
    const v = nn.data.charVocab('b a', { reserved: [' '] });
    expect(v.chars).toEqual([' ', 'a', 'b']);
    expect(Array.from(v.encode('a b'))).toEqual([1, 0, 2]);
    // a reserved token that never occurs still takes its id
    expect(nn.data.charVocab('x', { reserved: ['\0'] }).chars).toEqual(['\0', 'x']);
  });

  it('round-trips through toJSON / JSON text / fromJSON', () => {
    const v = nn.data.charVocab('Ab😀c', { lowercase: true, reserved: ['<pad>', '?'], unknown: '?' });
    const json = JSON.parse(JSON.stringify(v));
    expect(json).toEqual({
      type: 'charVocab',
      version: 1,
      chars: ['<pad>', '?', 'a', 'b', 'c', '😀'],
      reserved: 2,
      lowercase: true,
      unknown: '?',
    });
    for (const w of [nn.data.charVocab.fromJSON(json), nn.data.CharVocab.fromJSON(JSON.stringify(v))]) {
      expect(w.chars).toEqual(v.chars);
      expect(w.toJSON()).toEqual(json);
      expect(Array.from(w.encode('CAB😀z'))).toEqual(Array.from(v.encode('CAB😀z')));
      expect(w.decode([5, 2, 0])).toBe('😀a<pad>');
    }
  });

  it('encodes and decodes a million characters (astral ones included) exactly', () => {
    const alphabet = [...'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ\n.,;éü€😀\u{1F680}'];
    const rng = new Random(7);
    const parts: string[] = [];
    for (let i = 0; i < 1_000_000; i++) parts.push(alphabet[rng.int(alphabet.length)]);
    const text = parts.join('');
    const v = nn.data.charVocab(text);
    expect(v.size).toBe(alphabet.length);
    const ids = v.encode(text);
    expect(ids.length).toBe(1_000_000);
    expect(v.chars[ids[123_456]]).toBe(parts[123_456]);
    expect(v.decode(ids)).toBe(text);
  });
});

describe('nn.data.charVocab errors', () => {
  const v = nn.data.charVocab('abc');

  it('encode names the character and its position', () => {
    const e = err(() => v.encode('abxc'));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe(
      'encode: character 2 of text, "x" (U+0078), is not in the vocabulary (3 ids); to encode such characters, build the vocabulary with a reserved unknown token (options reserved and unknown)',
    );
    // positions count characters, not UTF-16 units; control characters are shown escaped
    expect(() => nn.data.charVocab('a😀').encode('😀a\n')).toThrow(/^encode: character 2 of text, "\\n" \(U\+000A\)/);
    expect(() => v.encode('a😀')).toThrow(/character 1 of text, "😀" \(U\+1F600\)/);
    const lower = nn.data.charVocab('ab', { lowercase: true });
    expect(() => lower.encode('aC')).toThrow(/character 1 of text \(lowercased\), "c"/);
    expect(() => v.encode(42 as unknown as string)).toThrow(new TypeError('encode: text must be a string, got 42'));
  });

  it('decode names the index of a bad id', () => {
    const msg = (got: string, at = 1) =>
      `decode: ids[${at}] must be an integer id from 0 to 2 (the vocabulary's size is 3), got ${got}`;
    expect(() => v.decode([0, 3])).toThrow(new RangeError(msg('3')));
    expect(() => v.decode([0, -1])).toThrow(new RangeError(msg('-1')));
    expect(() => v.decode(Float32Array.of(0, 1.5))).toThrow(new RangeError(msg('1.5')));
    expect(() => v.decode([0, Number.NaN])).toThrow(new RangeError(msg('NaN')));
    expect(() => v.decode(['a'] as unknown as number[])).toThrow(new RangeError(msg('"a"', 0)));
    expect(() => v.decode('abc' as unknown as number[])).toThrow(
      new TypeError('decode: ids must be an Int32Array, Float32Array, number[] or 1-D Tensor, got "abc"'),
    );
    expect(() => v.decode(nn.tensor2d([[0, 1]]))).toThrow(
      new RangeError('decode: ids must be a 1-D Tensor, got shape [1, 2]; decode one row at a time'),
    );
  });

  it('charVocab checks its arguments', () => {
    expect(() => nn.data.charVocab(undefined as unknown as string)).toThrow(
      new TypeError('charVocab: text must be a string, got undefined'),
    );
    expect(() => nn.data.charVocab(['a'] as unknown as string)).toThrow(TypeError);
    expect(() => nn.data.charVocab('')).toThrow(
      new RangeError('charVocab: text is empty and no reserved tokens are given: the vocabulary would be empty'),
    );
    expect(nn.data.charVocab('', { reserved: ['<pad>'] }).size).toBe(1);
    expect(() => nn.data.charVocab('a', 3 as never)).toThrow(
      new TypeError('charVocab: options must be an object, got 3'),
    );
    expect(() => nn.data.charVocab('a', { lowerCase: true } as never)).toThrow(
      new TypeError('charVocab: unknown option "lowerCase"; valid: lowercase, reserved, unknown'),
    );
    expect(() => nn.data.charVocab('a', { lowercase: 1 as never })).toThrow(
      new TypeError('charVocab: lowercase must be a boolean, got 1'),
    );
    expect(() => nn.data.charVocab('a', { reserved: '<pad>' as never })).toThrow(
      new TypeError('charVocab: reserved must be an array of strings, got "<pad>"'),
    );
    expect(() => nn.data.charVocab('a', { reserved: ['<pad>', ''] })).toThrow(
      new TypeError('charVocab: reserved[1] must be a non-empty string, got ""'),
    );
    expect(() => nn.data.charVocab('a', { reserved: ['x', 'x'] })).toThrow(
      new RangeError('charVocab: reserved[1] "x" appears twice'),
    );
    expect(() => nn.data.charVocab('a', { unknown: 5 as never })).toThrow(
      new TypeError('charVocab: unknown must be a string, got 5'),
    );
    expect(() => nn.data.charVocab('a', { unknown: '?' })).toThrow(
      new RangeError('charVocab: unknown "?" must be one of the reserved tokens (e.g. reserved: ["?"])'),
    );
  });

  it('fromJSON checks every field', () => {
    const good = {
      type: 'charVocab',
      version: 1,
      chars: ['<pad>', 'a', 'b'],
      reserved: 1,
      lowercase: false,
      unknown: null,
    };
    const bad = (patch: object) => () => nn.data.charVocab.fromJSON({ ...good, ...patch } as never);
    const fn = 'charVocab.fromJSON';
    expect(nn.data.charVocab.fromJSON(good as never).chars).toEqual(['<pad>', 'a', 'b']);
    expect(() => nn.data.charVocab.fromJSON('{oops')).toThrow(/^charVocab.fromJSON: json is not valid JSON: /);
    expect(() => nn.data.charVocab.fromJSON(null as never)).toThrow(
      new TypeError(`${fn}: json must be an object with type "charVocab" (from toJSON), got null`),
    );
    expect(bad({ type: 'standard' })).toThrow(TypeError);
    expect(bad({ version: 2 })).toThrow(new RangeError(`${fn}: version must be 1, got 2`));
    expect(bad({ chars: 'ab' })).toThrow(new TypeError(`${fn}: chars must be an array of strings, got "ab"`));
    expect(bad({ chars: [], reserved: 0 })).toThrow(new RangeError(`${fn}: chars is empty`));
    expect(bad({ reserved: 4 })).toThrow(new RangeError(`${fn}: reserved must be an integer from 0 to 3, got 4`));
    expect(bad({ reserved: -1 })).toThrow(RangeError);
    expect(bad({ chars: ['<pad>', 'ab'] })).toThrow(new TypeError(`${fn}: chars[1] must be one character, got "ab"`));
    expect(bad({ chars: ['', 'a'] })).toThrow(
      new TypeError(`${fn}: chars[0] must be a non-empty string (a reserved token), got ""`),
    );
    expect(bad({ chars: ['<pad>', 'a', 7] })).toThrow(new TypeError(`${fn}: chars[2] must be one character, got 7`));
    expect(bad({ chars: ['<pad>', 'a', 'a'] })).toThrow(new RangeError(`${fn}: chars[2] "a" appears twice`));
    expect(bad({ lowercase: 'no' })).toThrow(new TypeError(`${fn}: lowercase must be a boolean, got "no"`));
    expect(bad({ unknown: 'a' })).toThrow(
      new RangeError(`${fn}: unknown must be null or one of the reserved tokens, got "a"`),
    );
    expect(nn.data.charVocab.fromJSON({ ...good, unknown: '<pad>' } as never).encode('z')[0]).toBe(0);
    // the caller's array is copied, not frozen or shared
    const json = { ...good, chars: [...good.chars] };
    const v = nn.data.charVocab.fromJSON(json as never);
    json.chars.push('z');
    expect(Object.isFrozen(json.chars)).toBe(false);
    expect(v.size).toBe(3);
    expect(() => v.encode('z')).toThrow(RangeError);
  });
});
