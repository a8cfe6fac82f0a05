/** loss.svg: train and validation loss per epoch (and accuracy on a second panel), with axes,
 *  ticks, axis labels and a legend; plain SVG a browser opens. */

export interface Series {
  name: string;
  values: readonly number[];
  color: string;
  dashed?: boolean;
}

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number) =>
  Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : String(+v.toPrecision(3));

/** About `count` round tick values covering [lo, hi] (1, 2, 5 × 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  // No finite value to show (a diverged loss is NaN): a plain 0..1 axis rather than endless recursion.
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return niceTicks(0, 1, count);
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return niceTicks(lo - pad, lo + pad, count);
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  if (ticks[ticks.length - 1] < hi) ticks.push(+(ticks[ticks.length - 1] + step).toPrecision(12));
  return ticks;
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One panel: frame, grid, ticks on both axes, axis titles, the series and a legend. */
export function panel(
  box: Box,
  title: string,
  yLabel: string,
  epochs: readonly number[],
  series: readonly Series[],
): string {
  const finite = series.flatMap((s) => s.values.filter(Number.isFinite));
  const yTicks = niceTicks(Math.min(...finite), Math.max(...finite));
  const [y0, y1] = [yTicks[0], yTicks[yTicks.length - 1]];
  const [x0, x1] = [epochs[0], epochs[epochs.length - 1] === epochs[0] ? epochs[0] + 1 : epochs[epochs.length - 1]];
  const xTicks = niceTicks(x0, x1, 6).filter((t) => t >= x0 && t <= x1 && Number.isInteger(t));
  const px = (e: number) => box.x + ((e - x0) / (x1 - x0)) * box.width;
  const py = (v: number) => box.y + box.height - ((v - y0) / (y1 - y0)) * box.height;
  const parts: string[] = [];
  parts.push(
    `<text x="${box.x + box.width / 2}" y="${box.y - 12}" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  );
  parts.push(`<rect x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" fill="none" stroke="#333"/>`);
  for (const t of yTicks) {
    const y = py(t).toFixed(1);
    parts.push(`<line x1="${box.x}" y1="${y}" x2="${box.x + box.width}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<line x1="${box.x - 5}" y1="${y}" x2="${box.x}" y2="${y}" stroke="#333"/>`);
    parts.push(
      `<text x="${box.x - 8}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${fmt(t)}</text>`,
    );
  }
  for (const t of xTicks) {
    const x = px(t).toFixed(1);
    const bottom = box.y + box.height;
    parts.push(`<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 5}" stroke="#333"/>`);
    parts.push(`<text x="${x}" y="${bottom + 18}" text-anchor="middle" font-size="11">${t}</text>`);
  }
  parts.push(
    `<text x="${box.x + box.width / 2}" y="${box.y + box.height + 38}" text-anchor="middle" font-size="12">epoch</text>`,
  );
  const yMid = box.y + box.height / 2;
  parts.push(
    `<text x="${box.x - 52}" y="${yMid}" text-anchor="middle" font-size="12" transform="rotate(-90 ${box.x - 52} ${yMid})">${escapeXml(yLabel)}</text>`,
  );
  // The legend goes where the curves end up not being: top right for falling curves, bottom right
  // for rising ones, on a white box so a line under it stays readable.
  const lastValues = series.map((s) => s.values[s.values.length - 1]).filter(Number.isFinite);
  const endsHigh = lastValues.length > 0 && py(Math.max(...lastValues)) < box.y + box.height / 2;
  const legendTop = endsHigh ? box.y + box.height - 12 - series.length * 18 : box.y + 8;
  const lx = box.x + box.width - 160;
  parts.push(
    `<rect x="${lx - 8}" y="${legendTop}" width="160" height="${series.length * 18 + 6}" fill="white" fill-opacity="0.9" stroke="#ccc"/>`,
  );
  series.forEach((s, i) => {
    const points = s.values
      .map((v, j) => (Number.isFinite(v) ? `${px(epochs[j]).toFixed(1)},${py(v).toFixed(1)}` : null))
      .filter((p) => p !== null);
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    if (points.length > 1) {
      parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${points.join(' ')}"/>`);
    } else if (points.length === 1) {
      const [cx, cy] = points[0].split(',');
      parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${s.color}"/>`);
    }
    const ly = legendTop + 12 + i * 18;
    parts.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${lx + 30}" y="${ly}" dominant-baseline="middle" font-size="12">${escapeXml(s.name)}</text>`);
  });
  return parts.join('\n');
}

/** The chart of a History: the loss panel, and an accuracy panel when accuracy was tracked. */
export function historySvg(epochs: readonly number[], history: Readonly<Record<string, readonly number[]>>): string {
  const e = epochs.map((v) => v + 1); // people count epochs from 1
  const panels: { title: string; label: string; series: Series[] }[] = [];
  const pair = (key: string, title: string, label: string) => {
    const series: Series[] = [];
    if (history[key]) series.push({ name: `train ${key}`, values: history[key], color: '#1f77b4' });
    if (history[`val_${key}`])
      series.push({ name: `validation ${key}`, values: history[`val_${key}`], color: '#d62728', dashed: true });
    if (series.length > 0) panels.push({ title, label, series });
  };
  pair('loss', 'Loss per epoch', 'loss');
  pair('accuracy', 'Accuracy per epoch', 'accuracy');
  const width = 760;
  const panelHeight = 300;
  const height = panels.length * (panelHeight + 90) + 20;
  const body = panels
    .map((p, i) =>
      panel(
        { x: 80, y: 40 + i * (panelHeight + 90), width: width - 110, height: panelHeight },
        p.title,
        p.label,
        e,
        p.series,
      ),
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
${body}
</svg>
`;
}
