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
  const fmt = (n: number) => n.toLocaleString('en-US');
  lines.push(
    '='.repeat(width),
    `Total params: ${fmt(total)}`,
    `Trainable params: ${fmt(trainable)}`,
    `Non-trainable params: ${fmt(total - trainable)}`,
    '_'.repeat(width),
  );
  return lines.join('\n');
}
