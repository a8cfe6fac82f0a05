/** The README's "Recurrent networks" sample runs as written and learns the digits read row by row. */
import { expect, it } from 'vitest';
import { runReadmeSample } from './support/readme-sample';

it('the recurrent sample runs under tsx and reaches > 0.9 test accuracy', () => {
  const out = runReadmeSample('Recurrent networks');
  const accuracy = /test accuracy ([\d.]+)/.exec(out);
  expect(accuracy, out).not.toBeNull();
  expect(Number(accuracy?.[1])).toBeGreaterThan(0.9);
}, 300_000);
