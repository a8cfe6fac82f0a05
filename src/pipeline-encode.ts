/**
 * preprocess.json applied to a table of raw records: the columns taken by name in the training
 * order, missing cells filled (or their rows dropped, or refused), categories one-hot encoded,
 * the scaler applied. `nativenn predict`, `nativenn train` (for its own rows) and
 * nn.loadPipeline all encode through here, so the three cannot drift apart.
 */
import { CsvError } from './data/csv';
import type { CsvTable, TableColumn } from './data/csv-table';
import { scalerFromJSON } from './data/scalers';
import type { ColumnSpec, Preprocess } from './pipeline-schema';
import { Tensor } from './tensor';

const FLOAT32_MAX = 3.4028234663852886e38;

export interface Encoded {
  /** [rows, featureNames.length], scaled. */
  x: Tensor;
  /** The table rows encoded, in order (rows dropped for missing cells are not among them). */
  rows: Int32Array;
  /** Each encoded row's id (the idColumn's text), or null when the table has no id column. */
  ids: string[] | null;
  /** The true labels when the table holds the label column: texts (classification) or numbers. */
  truth: string[] | Float64Array | null;
  /** Things the user should know (ignored columns, unseen categories, dropped rows). */
  notes: string[];
}

/** The text of a cell: its text, its number written back, or null when missing. */
export function cellText(c: TableColumn, r: number): string | null {
  if (c.ids) return c.ids[r] < 0 ? null : c.texts[c.ids[r]];
  return Number.isNaN(c.numbers[r]) ? null : String(c.numbers[r]);
}

const quoteList = (names: readonly string[]) =>
  names
    .slice(0, 5)
    .map((n) => `"${n}"`)
    .join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '');

function fail(table: CsvTable, r: number, column: string, message: string): never {
  const line = table.lines[r];
  throw new CsvError(`${table.source}, line ${line}, column "${column}": ${message}`, line, column);
}

/** Whether row r has a cell that the policy cannot fill. */
function isMissing(spec: ColumnSpec, c: TableColumn, r: number): boolean {
  return spec.kind === 'numeric' ? Number.isNaN(c.numbers[r]) && !(c.ids && c.ids[r] >= 0) : cellText(c, r) === null;
}

/** Encodes `rows` of the table (default: all) with p; see Encoded. */
export function encodeTable(p: Preprocess, table: CsvTable, rows?: Int32Array): Encoded {
  const byName = new Map(table.names.map((n, i) => [n, table.columns[i]]));
  const absent = p.columns.filter((s) => !byName.has(s.name)).map((s) => s.name);
  if (absent.length > 0)
    throw new CsvError(
      `${table.source}: missing the column${absent.length > 1 ? 's' : ''} ${quoteList(absent)} the model was trained on`,
    );
  const notes: string[] = [];
  const known = new Set([...p.columns.map((s) => s.name), p.labelName, ...(p.idColumn ? [p.idColumn] : [])]);
  const extra = table.names.filter((n) => !known.has(n));
  if (extra.length > 0)
    notes.push(`ignored the column${extra.length > 1 ? 's' : ''} ${quoteList(extra)} (not used in training)`);

  const columns = p.columns.map((s) => byName.get(s.name)!);
  const all = rows ?? Int32Array.from({ length: table.rows }, (_, i) => i);
  const kept: number[] = [];
  for (const r of all) {
    let drop = false;
    for (let j = 0; j < columns.length; j++) {
      const spec = p.columns[j];
      if (!isMissing(spec, columns[j], r) || spec.fill !== null) continue;
      if (p.missing !== 'drop')
        fail(
          table,
          r,
          spec.name,
          'the cell is empty (or NA); --missing mean|median|mostFrequent|drop fills or drops such cells',
        );
      drop = true;
    }
    if (!drop) kept.push(r);
  }
  if (kept.length < all.length)
    notes.push(`dropped ${all.length - kept.length} row(s) with missing cells (--missing drop)`);
  const width = p.featureNames.length;
  const data = new Float32Array(kept.length * width);
  const unseen = new Map<string, Set<string>>();
  let offset = 0;
  p.columns.forEach((spec, j) => {
    const c = columns[j];
    if (spec.kind === 'numeric') {
      kept.forEach((r, i) => {
        let v = c.numbers[r];
        if (Number.isNaN(v)) {
          const text = cellText(c, r);
          if (text !== null) fail(table, r, spec.name, `"${text.slice(0, 40)}" is not a number`);
          v = spec.fill!;
        }
        if (!(Math.abs(v) <= FLOAT32_MAX)) fail(table, r, spec.name, `${v} is beyond the float32 range (±3.4e38)`);
        data[i * width + offset] = v;
      });
      offset++;
      return;
    }
    const index = new Map(spec.categories.map((v, k) => [v, k]));
    kept.forEach((r, i) => {
      const text = cellText(c, r) ?? spec.fill!;
      const k = index.get(text);
      if (k !== undefined) data[i * width + offset + k] = 1;
      else {
        const seen = unseen.get(spec.name) ?? new Set();
        seen.add(text);
        unseen.set(spec.name, seen);
      }
    });
    offset += spec.categories.length;
  });
  for (const [name, values] of unseen)
    notes.push(
      `warning: column "${name}" holds ${values.size} categor${values.size > 1 ? 'ies' : 'y'} not seen in training (${quoteList([...values])}); those rows get no category`,
    );

  let x: Tensor<Float32Array> = new Tensor(data, [kept.length, width]);
  if (p.scaler && kept.length > 0) x = scalerFromJSON(p.scaler).transform(x);
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isFinite(x.data[i])) {
      const f = p.featureNames[i % width];
      fail(
        table,
        kept[Math.floor(i / width)],
        f,
        `the value is so far beyond the training range that scaling it overflows float32`,
      );
    }
  }
  const keptRows = Int32Array.from(kept);
  const idCol = p.idColumn ? byName.get(p.idColumn) : undefined;
  const ids = idCol ? kept.map((r) => cellText(idCol, r) ?? '') : null;
  const label = byName.get(p.labelName);
  let truth: Encoded['truth'] = null;
  if (label && !p.columns.some((s) => s.name === p.labelName)) {
    truth = p.classes ? kept.map((r) => cellText(label, r) ?? '') : Float64Array.from(kept, (r) => label.numbers[r]);
  }
  return { x, rows: keptRows, ids, truth, notes };
}
