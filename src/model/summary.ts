/** model.summary(): the Keras table — layer name (type), output shape, parameter count, totals. */
import type { Layer } from '../layers/layer';

const COLS = [29, 26, 10];

function pad(s: string, width: number): string {
  return s.length >= width ? `${s} ` : s + ' '.repeat(width - s.length);
}

export function summaryText(modelName: string, layers: readonly Layer[], inputSize: number | null): string {
  const width = COLS.reduce((a, b) => a + b, 0);
  const lines = [
    `Model: "${modelName}"`,
    '_'.repeat(width),
    pad(' Layer (type)', COLS[0]) + pad('Output Shape', COLS[1]) + pad('Param #', COLS[2]),
    '='.repeat(width),
  ];
  let size = inputSize;
  let total = 0;
  layers.forEach((layer, i) => {
    const out = size === null ? null : layer.outputSize(size);
    const params = size === null ? 0 : layer.paramCount(size);
    total += params;
    lines.push(
      pad(` ${layer.name} (${layer.className})`, COLS[0]) +
        pad(`(None, ${out ?? '?'})`, COLS[1]) +
        pad(size === null ? '?' : String(params), COLS[2]),
    );
    if (i < layers.length - 1) lines.push('');
    size = out;
  });
  const fmt = (n: number) => n.toLocaleString('en-US');
  lines.push(
    '='.repeat(width),
    `Total params: ${fmt(total)}`,
    `Trainable params: ${fmt(total)}`,
    'Non-trainable params: 0',
    '_'.repeat(width),
  );
  return lines.join('\n');
}
