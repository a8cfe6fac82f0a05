/**
 * `nativenn train`'s choice of columns in a table: the label, the id, the features (--features,
 * --ignore), which are categorical (--categorical), what to do with missing cells (--missing),
 * and the fills and categories that preprocess.json keeps for predict.
 */
import type * as nn from '../index';
import { cellText } from '../pipeline-encode';
import type { ColumnSpec, MissingPolicy } from '../pipeline-schema';
import { nearest } from './args';
import { CliError } from './errors';

/** A text column with more distinct values than this and than half the rows is an id or free
 *  text, not categories (unless --categorical names it). */
const MAX_AUTO_CATEGORIES = 10;
const DECIMAL_COMMA = /^[+-]?\d*,\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export interface ColumnChoice {
  label: string | undefined;
  id: string | undefined;
  features: string[] | undefined;
  ignore: string[];
  /** 'auto' (text columns) or the columns to one-hot encode. */
  categorical: 'auto' | string[];
  missing: MissingPolicy;
}

export const list = (v: string | undefined) =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

function column(table: nn.data.CsvTable, name: string, option: string): number {
  const i = table.names.indexOf(name);
  if (i >= 0) return i;
  if (option === '--label' && /^\d+$/.test(name)) {
    const n = table.names.length;
    if (Number(name) < n) return Number(name);
    throw new CliError(
      `--label ${name}: the column index is out of range: ${table.source} has ${n} columns (0 to ${n - 1})`,
    );
  }
  const guess = nearest(name, table.names);
  throw new CliError(
    `${option} ${name}: ${table.source} has no column "${name}"${guess ? `; did you mean "${guess}"?` : ''} (columns: ${table.names.slice(0, 12).join(', ')}${table.names.length > 12 ? ', …' : ''})`,
  );
}

/** The label, id and feature column indices. */
export function chooseColumns(
  table: nn.data.CsvTable,
  o: ColumnChoice,
): { label: number; id: number; features: number[] } {
  const label = o.label === undefined ? table.names.length - 1 : column(table, o.label, '--label');
  const id = o.id === undefined ? -1 : column(table, o.id, '--id');
  if (id === label) throw new CliError(`--id ${o.id} is the label column; choose another`);
  for (const n of o.ignore) column(table, n, '--ignore');
  let features: number[];
  if (o.features) {
    features = o.features.map((n) => column(table, n, '--features'));
    const bad = features.find((f) => f === label || f === id);
    if (bad !== undefined)
      throw new CliError(`--features lists "${table.names[bad]}", the ${bad === label ? 'label' : 'id'} column`);
  } else
    features = table.names
      .map((_, i) => i)
      .filter((i) => i !== label && i !== id && !o.ignore.includes(table.names[i]));
  if (features.length === 0) throw new CliError(`${table.source}: no feature columns are left besides the label`);
  return { label, id, features };
}

function firstText(c: nn.data.TableColumn, table: nn.data.CsvTable): { text: string; line: number } {
  const r = c.ids!.findIndex((id, r) => id >= 0 && Number.isNaN(c.numbers[r]));
  return { text: c.texts[c.ids![r]], line: table.lines[r] };
}

/** Each feature column's kind and categories (from every row: the vocabulary is not a label leak). */
export function columnKinds(table: nn.data.CsvTable, features: number[], o: ColumnChoice): ColumnSpec[] {
  const listed = o.categorical === 'auto' ? [] : o.categorical;
  for (const n of listed) if (!features.some((f) => table.names[f] === n)) column(table, n, '--categorical');
  return features.map((f) => {
    const c = table.columns[f];
    let [texts, numbers] = [0, 0];
    if (c.ids) for (let r = 0; r < table.rows; r++) if (c.ids[r] >= 0) Number.isNaN(c.numbers[r]) ? texts++ : numbers++;
    const hasText = texts > 0;
    // auto: a column of texts; a column of numbers with a few texts is a column of numbers with typos.
    if (hasText && !listed.includes(c.name) && c.texts.every((t) => DECIMAL_COMMA.test(t) || NUMBER.test(t))) {
      const { text, line } = firstText(c, table);
      throw new CliError(
        `${table.source}, column "${c.name}": "${text}" (line ${line}) looks like a decimal comma; add --decimal ,`,
      );
    }
    const wanted = listed.includes(c.name) || (o.categorical === 'auto' && texts > numbers);
    if (!wanted) {
      if (!hasText) return { name: c.name, kind: 'numeric', fill: null };
      const { text, line } = firstText(c, table);
      throw new CliError(
        `${table.source}, line ${line}, column "${c.name}": "${text.slice(0, 40)}" is not a number (to treat the column as text: --categorical ${c.name}; to leave it out: --ignore ${c.name})`,
      );
    }
    const categories = [
      ...new Set(Array.from(c.ids ?? [], (id) => (id >= 0 ? c.texts[id] : null)).filter((t) => t !== null)),
    ];
    if (!c.ids)
      categories.push(
        ...new Set(
          Array.from(
            c.numbers.filter((v) => !Number.isNaN(v)),
            String,
          ),
        ),
      );
    if (categories.length === 0) throw new CliError(`${table.source}, column "${c.name}": every cell is missing`);
    if (!listed.includes(c.name) && categories.length > MAX_AUTO_CATEGORIES && categories.length > table.rows / 2) {
      throw new CliError(
        `${table.source}, column "${c.name}" holds ${categories.length} distinct texts: too many to be categories. Mark it --id ${c.name}, or --ignore ${c.name}`,
      );
    }
    categories.sort();
    return { name: c.name, kind: 'categorical', categories, fill: null };
  });
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const m = values.length >> 1;
  return values.length % 2 ? values[m] : (values[m - 1] + values[m]) / 2;
}

function mostFrequent<T>(values: T[]): T {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = values[0];
  for (const [v, n] of counts)
    if (n > counts.get(best)! || (n === counts.get(best)! && String(v) < String(best))) best = v;
  return best;
}

/** The fill of each column under a fill policy, from the training rows (text columns: the most frequent). */
export function withFills(
  table: nn.data.CsvTable,
  specs: ColumnSpec[],
  trainRows: Int32Array,
  policy: MissingPolicy,
): ColumnSpec[] {
  if (policy === 'error' || policy === 'drop') return specs;
  return specs.map((s) => {
    const c = table.columns[table.names.indexOf(s.name)];
    if (s.kind === 'categorical') {
      const texts = Array.from(trainRows, (r) => cellText(c, r)).filter(
        (t): t is string => t !== null && s.categories.includes(t),
      );
      return { ...s, fill: texts.length ? mostFrequent(texts) : s.categories[0] };
    }
    const values = Array.from(trainRows, (r) => c.numbers[r]).filter((v) => !Number.isNaN(v));
    if (values.length === 0)
      throw new CliError(`${table.source}, column "${s.name}": no training row has a value to fill with`);
    const fill =
      policy === 'mean'
        ? values.reduce((a, b) => a + b, 0) / values.length
        : policy === 'median'
          ? median(values)
          : mostFrequent(values);
    return { ...s, fill: Math.fround(fill) };
  });
}
