/** Kernel regularizers (Keras): loss += l1·Σ|w| + l2·Σw². Defaults 0.01 as in Keras/TensorFlow.js. */
import { checkSetting } from '../config/ranges';
import { checkOptions, resolveName } from '../model/options';

export class Regularizer {
  constructor(
    readonly l1: number,
    readonly l2: number,
  ) {}
  getConfig(): { className: 'L1L2'; config: { l1: number; l2: number } } {
    return { className: 'L1L2', config: { l1: this.l1, l2: this.l2 } };
  }
}

function factor(fn: string, name: 'l1' | 'l2', v: unknown, dflt: number): number {
  return v === undefined ? dflt : checkSetting(fn, name, v, name);
}

export function l1(args?: { l1?: number }): Regularizer {
  const o = checkOptions('l1', args, ['l1']);
  return new Regularizer(factor('l1', 'l1', o.l1, 0.01), 0);
}
export function l2(args?: { l2?: number }): Regularizer {
  const o = checkOptions('l2', args, ['l2']);
  return new Regularizer(0, factor('l2', 'l2', o.l2, 0.01));
}
export function l1l2(args?: { l1?: number; l2?: number }): Regularizer {
  const o = checkOptions('l1l2', args, ['l1', 'l2']);
  return new Regularizer(factor('l1l2', 'l1', o.l1, 0.01), factor('l1l2', 'l2', o.l2, 0.01));
}

const BY_NAME: Record<string, () => Regularizer> = { l1, l2, l1l2 };

export function getRegularizer(fn: string, what: string, v: unknown): Regularizer | null {
  if (v === undefined || v === null) return null;
  if (v instanceof Regularizer) return v;
  return resolveName(fn, what, v, BY_NAME)();
}
