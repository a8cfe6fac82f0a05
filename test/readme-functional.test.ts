/** The README's "Functional models" sample runs as written and learns both heads. */
import { expect, it } from 'vitest';
import { runReadmeSample } from './support/readme-sample';

it('the functional sample runs under tsx and learns both outputs', () => {
  const out = runReadmeSample('Functional models');
  const m = /test accuracy ([\d.]+) \(digit\), ([\d.]+)/.exec(out);
  expect(m, out).not.toBeNull();
  expect(Number(m?.[1])).toBeGreaterThan(0.93);
  expect(Number(m?.[2])).toBeGreaterThan(0.93);
}, 300_000);
