import { describe, expect, it } from 'vitest';
import { type Backend, backends } from '../../src';
import { addon } from '../../src/backend/native/addon';
import { allBackends, maxRelErr, nativeBackend, randomF32, SIZES } from '../support/backends';

const js = backends.js;

/** One optimizer configuration: how many state buffers it keeps and how to take a step. */
interface Case {
  name: string;
  states: number;
  step(b: Backend, p: Float32Array, g: Float32Array, s: Float32Array[], n: number, t: number): void;
}

const CASES: Case[] = [
  { name: 'sgd', states: 0, step: (b, p, g, _s, n) => b.sgdUpdate(p, g, n, 0.05) },
  { name: 'momentum', states: 1, step: (b, p, g, s, n) => b.momentumUpdate(p, g, s[0], n, 0.05, 0.9, false) },
  { name: 'nesterov', states: 1, step: (b, p, g, s, n) => b.momentumUpdate(p, g, s[0], n, 0.05, 0.9, true) },
  {
    name: 'adam',
    states: 2,
    step: (b, p, g, s, n, t) => b.adamUpdate(p, g, s[0], s[1], n, 1e-3, 0.9, 0.999, 1e-7, t, 0),
  },
  {
    name: 'adamw',
    states: 2,
    step: (b, p, g, s, n, t) => b.adamUpdate(p, g, s[0], s[1], n, 1e-3, 0.9, 0.999, 1e-7, t, 0.01),
  },
  { name: 'rmsprop', states: 2, step: (b, p, g, s, n) => b.rmspropUpdate(p, g, s[0], s[1], n, 1e-3, 0.9, 0, 1e-7) },
  {
    name: 'rmsprop with momentum',
    states: 2,
    step: (b, p, g, s, n) => b.rmspropUpdate(p, g, s[0], s[1], n, 1e-3, 0.9, 0.8, 1e-7),
  },
  { name: 'adagrad', states: 1, step: (b, p, g, s, n) => b.adagradUpdate(p, g, s[0], n, 0.01, 1e-7) },
];

const STEPS = 6;

/** Runs STEPS updates from the same start with fresh gradients each step; returns param and state. */
function run(b: Backend, c: Case, n: number, seed: number): Float32Array[] {
  const p = randomF32(n, seed);
  // adagrad starts from tfjs's initialAccumulatorValue 0.1; the others from zero state.
  const s = Array.from({ length: c.states }, () => new Float32Array(n).fill(c.name === 'adagrad' ? 0.1 : 0));
  for (let t = 1; t <= STEPS; t++) c.step(b, p, randomF32(n, seed * 31 + t, -2, 2), s, n, t);
  return [p, ...s];
}

describe.skipIf(!nativeBackend)('optimizer updates: native equals the js twin', () => {
  const native = nativeBackend!;
  const sizes = [...SIZES, 1000, 4099, 65_539];
  const table = CASES.flatMap((c) => sizes.map((n) => [c.name, n] as const));

  it.each(table)('%s, n = %i, %i consecutive steps', (name, n) => {
    const c = CASES.find((x) => x.name === name)!;
    const want = run(js, c, n, n + 7);
    const got = run(native, c, n, n + 7);
    // Native works in float32, the twin in double rounded to float32 at each store. Each float op
    // errs by ≤ 2^-24 (6e-8) of its largest term; ~4 ops × 6 steps gives ≈ 1.5e-6 of the array's
    // scale. Sums like momentum's v = μv + g can cancel, so the bound is absolute in that scale
    // (max |want|) plus a relative part; a wrong formula misses it by orders of magnitude.
    for (let i = 0; i < want.length; i++) {
      const scale = want[i].reduce((mx, x) => Math.max(mx, Math.abs(x)), 0);
      expect(maxRelErr(got[i], want[i], 2e-6 * scale + 1e-30, 2e-6)).toBeLessThanOrEqual(1);
    }
  });

  it('leaves elements past n untouched', () => {
    for (const c of CASES) {
      const p = randomF32(10, 3);
      const before = p.slice();
      const s = Array.from({ length: c.states }, () => new Float32Array(10));
      c.step(native, p, randomF32(10, 4), s, 7, 1);
      expect(Array.from(p.subarray(7)), c.name).toEqual(Array.from(before.subarray(7)));
      expect(p[0], c.name).not.toBe(before[0]);
    }
  });
});

/** got equals want up to a few float32 roundings (4 ulps: native rounds each float op). */
function expectF32(got: number, want: number): void {
  expect(Math.abs(got - want)).toBeLessThanOrEqual(2 ** -22 * Math.abs(want));
}

describe.each(allBackends.map((b) => [b.name, b] as const))('optimizer first steps by hand (%s)', (_name, b) => {
  it('sgd: p − lr·g', () => {
    const p = new Float32Array([1, -2]);
    b.sgdUpdate(p, new Float32Array([0.5, -4]), 2, 0.1);
    expectF32(p[0], 0.95);
    expectF32(p[1], -1.6);
  });

  it('momentum: v = g, p −= lr·g; nesterov: p −= lr·(g + μ·v)', () => {
    const p = new Float32Array([1, 1]);
    const v = new Float32Array(2);
    b.momentumUpdate(p, new Float32Array([0.5, 0.5]), v, 1, 0.1, 0.9, false);
    expectF32(p[0], 0.95);
    expect(v[0]).toBe(0.5);
    b.momentumUpdate(p.subarray(1), new Float32Array([0.5]), v.subarray(1), 1, 0.1, 0.9, true);
    expectF32(p[1], 1 - 0.1 * (0.5 + 0.9 * 0.5));
    // second plain step: v = 0.9·0.5 + 0.5 = 0.95
    b.momentumUpdate(p, new Float32Array([0.5]), v, 1, 0.1, 0.9, false);
    expectF32(v[0], 0.95);
    expect(p[0]).toBeCloseTo(0.95 - 0.095, 6);
  });

  it("adam's first step moves each weight by ≈ lr·sign(g), whatever |g|", () => {
    const g = new Float32Array([0.5, -3, 1e-3]);
    const p = new Float32Array([1, 1, 1]);
    const m = new Float32Array(3);
    const v = new Float32Array(3);
    b.adamUpdate(p, g, m, v, 3, 0.01, 0.9, 0.999, 1e-7, 1, 0);
    // m̂ = g and v̂ = g² after bias correction, so the step is lr·g/(|g| + eps).
    expect(p[0]).toBeCloseTo(0.99, 6);
    expect(p[1]).toBeCloseTo(1.01, 6);
    expect(p[2]).toBeCloseTo(1 - 0.01 / (1 + 1e-4), 6);
    expectF32(m[0], 0.1 * 0.5);
    expectF32(v[1], 0.001 * 9);
  });

  it('adamw decays first: p −= lr·wd·p, then the adam step', () => {
    const p = new Float32Array([2]);
    b.adamUpdate(
      p,
      new Float32Array([0.25]),
      new Float32Array(1),
      new Float32Array(1),
      1,
      0.01,
      0.9,
      0.999,
      1e-7,
      1,
      0.5,
    );
    expect(p[0]).toBeCloseTo(2 - 0.01 * 0.5 * 2 - 0.01, 6);
  });

  it('adam bias correction uses step: a zero gradient at step 2 still moves by the momentum', () => {
    const p = new Float32Array([0]);
    const m = new Float32Array([0.1]); // as after one step with g = 1
    const v = new Float32Array([0.001]);
    b.adamUpdate(p, new Float32Array([0]), m, v, 1, 0.1, 0.9, 0.999, 0, 2, 0);
    const mHat = (0.9 * Math.fround(0.1)) / (1 - 0.81);
    const vHat = (0.999 * Math.fround(0.001)) / (1 - 0.999 ** 2);
    expect(p[0]).toBeCloseTo((-0.1 * mHat) / Math.sqrt(vHat), 6);
  });

  it('rmsprop: first step is lr·g/√((1−ρ)g² + eps); momentum keeps a velocity', () => {
    const p = new Float32Array([1, 1]);
    const ms = new Float32Array(2);
    const vel = new Float32Array(2);
    b.rmspropUpdate(p, new Float32Array([2, 2]), ms, vel, 2, 0.01, 0.9, 0.5, 1e-7);
    const first = (0.01 * 2) / Math.sqrt(0.1 * 4 + 1e-7);
    expect(p[0]).toBeCloseTo(1 - first, 6);
    expectF32(ms[0], 0.4);
    b.rmspropUpdate(p, new Float32Array([0, 0]), ms, vel, 2, 0.01, 0.9, 0.5, 1e-7);
    expect(p[1]).toBeCloseTo(1 - first - 0.5 * first, 6); // g = 0: only the velocity moves it
  });

  it('adagrad: first step from zero is lr·g/√(g² + eps)', () => {
    const p = new Float32Array([1]);
    const acc = new Float32Array(1);
    b.adagradUpdate(p, new Float32Array([-0.3]), acc, 1, 0.1, 1e-7);
    expect(p[0]).toBeCloseTo(1 + (0.1 * 0.3) / Math.sqrt(0.09 + 1e-7), 6);
    expectF32(acc[0], 0.09);
  });
});

describe.skipIf(!addon || typeof addon.adamUpdate !== 'function')('optimizer glue checks (raw addon)', () => {
  const raw = addon!;
  const n = 4;
  const buf = () => new Float32Array(n).fill(1);

  it('rejects bad hyper-parameters and step with RangeError, changing nothing', () => {
    const p = buf();
    const bad: [unknown[], RegExp][] = [
      [[p, buf(), buf(), buf(), n, 0.1, 0.9, 0.999, 1e-7, 0, 0], /step must be at least 1/],
      [[p, buf(), buf(), buf(), n, 0.1, 0.9, 0.999, 1e-7, 1.5, 0], /step/],
      [[p, buf(), buf(), buf(), n, 0.1, 0.9, 0.999, 1e-7, 1, Number.NaN], /weightDecay must be finite/],
      [[p, buf(), buf(), buf(), n, Infinity, 0.9, 0.999, 1e-7, 1, 0], /lr must be finite/],
    ];
    for (const [args, msg] of bad) expect(() => raw.adamUpdate(...args)).toThrow(msg);
    expect(() => raw.sgdUpdate(p, buf(), n, Number.NaN)).toThrow(RangeError);
    expect(() => raw.rmspropUpdate(p, buf(), buf(), buf(), n, 0.1, 0.9, 0, -Infinity)).toThrow(
      /epsilon must be finite/,
    );
    expect(() => raw.adagradUpdate(p, buf(), buf(), n, 0.1, Number.NaN)).toThrow(RangeError);
    expect(Array.from(p)).toEqual([1, 1, 1, 1]);
  });

  it('rejects wrong types, counts and short buffers', () => {
    expect(() => raw.momentumUpdate(buf(), buf(), buf(), n, 0.1, 0.9, 1)).toThrow(/nesterov must be a boolean/);
    expect(() => raw.momentumUpdate(buf(), buf(), new Float64Array(n), n, 0.1, 0.9, false)).toThrow(TypeError);
    expect(() => raw.sgdUpdate(buf(), buf(), n)).toThrow(/expected 4 arguments, got 3/);
    expect(() => raw.adagradUpdate(buf(), buf(), new Float32Array(3), n, 0.1, 1e-7)).toThrow(
      /accumulator is too short/,
    );
    expect(() => raw.rmspropUpdate(buf(), buf(), buf(), buf(), -1, 0.1, 0.9, 0, 1e-7)).toThrow(RangeError);
  });
});
