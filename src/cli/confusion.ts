/** Confusion matrix (rows: true class, columns: predicted) and its text table. */
export function confusionMatrix(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  numClasses: number,
): number[][] {
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < truth.length; i++) m[truth[i]][predicted[i]]++;
  return m;
}

export function formatConfusion(matrix: number[][], labels: readonly string[]): string {
  const cell = Math.max(4, ...labels.map((l) => l.length), ...matrix.flat().map((v) => String(v).length)) + 1;
  const head = `${'true\\pred'.padEnd(cell + 5)}${labels.map((l) => l.padStart(cell)).join('')}`;
  const rows = matrix.map(
    (row, r) => `${labels[r].padEnd(cell + 5)}${row.map((v) => String(v).padStart(cell)).join('')}`,
  );
  return [head, ...rows].join('\n');
}
