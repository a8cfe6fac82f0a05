/** model.summary(): the Keras table — layer name (type), output shape, parameter count, totals. */
import type { Layer } from '../layers/layer';
import { formatShape, type Shape } from '../layers/shape';

const COLS = [29, 26, 10];

function pad(s: string, width: number): string {
  return s.length >= width ? `${s} ` : s + ' '.repeat(width - s.length);
}

/** The table for layers fed inputShape ([batch, ...dims]; null when the first layer has none:
 *  then shapes and counts show '?'). Shapes come from each layer's computeOutputShape. */
export function summaryText(modelName: string, layers: readonly Layer[], inputShape: Shape | null): string {
  const width = COLS.reduce((a, b) => a + b, 0);
  const lines = [
    `Model: "${modelName}"`,
    '_'.repeat(width),
    pad(' Layer (type)', COLS[0]) + pad('Output Shape', COLS[1]) + pad('Param #', COLS[2]),
    '='.repeat(width),
  ];
  let shape = inputShape;
  let total = 0;
  let trainable = 0;
  layers.forEach((layer, i) => {
    const out = shape === null ? null : layer.computeOutputShape(shape);
    let params = 0;
    if (shape !== null) {
      for (const w of layer.weightSpecs(shape)) {
        const n = w.shape.reduce((a, b) => a * b, 1);
        params += n;
        if (w.trainable && layer.trainable) trainable += n;
      }
    }
    total += params;
    lines.push(
      pad(` ${layer.name} (${layer.className})`, COLS[0]) +
        pad(out === null ? '(None, ?)' : formatShape(out), COLS[1]) +
        pad(shape === null ? '?' : String(params), COLS[2]),
    );
    if (i < layers.length - 1) lines.push('');
    shape = out;
  });
  lines.push(...totals(width, total, trainable));
  return lines.join('\n');
}

function totals(width: number, total: number, trainable: number): string[] {
  const fmt = (n: number) => n.toLocaleString('en-US');
  return [
    '='.repeat(width),
    `Total params: ${fmt(total)}`,
    `Trainable params: ${fmt(trainable)}`,
    `Non-trainable params: ${fmt(total - trainable)}`,
    '_'.repeat(width),
  ];
}

/** A functional model's table: every input and layer application with the tensors it reads. */
export function functionalSummaryText(
  modelName: string,
  rows: { name: string; className: string; out: Shape; params: number; trainable: number; from: string }[],
): string {
  const cols = [...COLS, 24];
  const width = cols.reduce((a, b) => a + b, 0);
  const lines = [
    `Model: "${modelName}"`,
    '_'.repeat(width),
    `${pad(' Layer (type)', cols[0]) + pad('Output Shape', cols[1]) + pad('Param #', cols[2])}Connected to`,
    '='.repeat(width),
  ];
  let total = 0;
  let trainable = 0;
  rows.forEach((r, i) => {
    total += r.params;
    trainable += r.trainable;
    lines.push(
      pad(` ${r.name} (${r.className})`, cols[0]) +
        pad(formatShape(r.out), cols[1]) +
        pad(String(r.params), cols[2]) +
        r.from,
    );
    if (i < rows.length - 1) lines.push('');
  });
  lines.push(...totals(width, total, trainable));
  return lines.join('\n');
}
