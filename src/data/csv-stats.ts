/**
 * csvDataset's first pass over the file: everything preprocess.json needs, computed streaming
 * (the file is never held): the label's classes (or its mean and std), each feature column's kind
 * and categories (from every row, as `nativenn train` does: the vocabulary is not a label leak),
 * the fills (mean and mostFrequent exact; median from a seeded sample of 65,536 training values
 * per column, exact below that) and the scaler (exact, over the encoded inputs with the fills
 * applied), and how many rows each part of the split holds. Fills and scaler are fitted on the
 * rows outside the test part (the validation part included, as `nativenn train` does).
 */
import { cellText } from '../pipeline-encode';
import {
  type ColumnSpec,
  featureNamesOf,
  type MissingPolicy,
  PREPROCESS_FORMAT,
  PREPROCESS_VERSION,
  type Preprocess,
} from '../pipeline-schema';
import { Random } from '../util/random';
import { CsvError } from './csv';
import { partOf, type SplitSpec, type TableChunk } from './csv-stream';
import type { CsvTable, TableColumn } from './csv-table';

export interface StatsOptions {
  fn: string;
  path: string;
  label: string | number | undefined;
  /** Feature columns (default: all but the label and the id). */
  columns: string[] | undefined;
  id: string | undefined;
  ignore: string[];
  categorical: 'auto' | string[];
  missing: MissingPolicy;
  scale: 'standard' | 'minmax' | 'none';
  task: 'classification' | 'regression' | undefined;
  targetScale: 'standard' | 'none';
  split: SplitSpec | null;
  csv: { delimiter: string; decimal: '.' | ','; encoding: 'utf8' | 'latin1' };
}

export interface FileStats {
  preprocess: Preprocess;
  /** Rows per part of the split (label present, not dropped). */
  rows: { train: number; validation: number; test: number };
}

/** Beyond this many distinct values a column is no set of categories (nor a label of classes). */
const MAX_CATEGORIES = 1000;
/** Guess classification when the labels are few distinct whole numbers (as `nativenn train`). */
const MAX_GUESSED_CLASSES = 20;
const SAMPLE = 65536;
const TRAIN = 0;
const TEST = 1;
const DROPPED = 2;
const FLOAT32_MAX = 3.4028234663852886e38;

/** Running count, mean and sum of squared deviations (Welford), min and max. */
class Moments {
  n = 0;
  mean = 0;
  m2 = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  /** Adds v `times` times (Chan's update for a group of equal values). */
  add(v: number, times = 1): void {
    const n = this.n + times;
    const d = v - this.mean;
    this.mean += (d * times) / n;
    this.m2 += (d * d * this.n * times) / n;
    this.n = n;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }
  get std(): number {
    return this.n > 0 ? Math.sqrt(this.m2 / this.n) : 0;
  }
}

/** Counts of distinct keys, dropped (null) once there are too many to be categories. */
class Counter<K> {
  counts: Map<K, number> | null = new Map();
  add(k: K): void {
    if (!this.counts) return;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    if (this.counts.size > MAX_CATEGORIES * 100) this.counts = null;
  }
  /** The most frequent key (ties: the smaller as text). */
  top(): K | undefined {
    let best: K | undefined;
    let most = 0;
    for (const [k, n] of this.counts ?? []) {
      if (n > most || (n === most && String(k) < String(best))) [best, most] = [k, n];
    }
    return best;
  }
}

interface ColumnStats {
  index: number;
  texts: number;
  numbers: number;
  firstText: { text: string; line: number } | null;
  /** Every row's category (as text), for columns that may be categorical. */
  vocabulary: Counter<string> | null;
  /** Training rows: numbers, their counts (mostFrequent), a sample (median), categories. */
  moments: Moments;
  numberCounts: Counter<number> | null;
  sample: number[];
  seen: number;
  trainCategories: Counter<string>;
  trainMissing: number;
}

const quote = (names: readonly string[]) => names.slice(0, 12).join(', ') + (names.length > 12 ? ', …' : '');

export class StatsPass {
  private names: string[] | null = null;
  private label = -1;
  private id = -1;
  private features: ColumnStats[] = [];
  private labelTexts = new Counter<string>();
  private labelNumbers = new Counter<number>();
  private labelNumeric = true;
  private labelMoments = new Moments();
  private rows = { train: 0, validation: 0, test: 0 };
  private dropped = 0;
  private readonly random = new Random(7);

  constructor(private readonly o: StatsOptions) {}

  private fail(message: string, line?: number, column?: string): never {
    const where = line === undefined ? '' : `, line ${line}${column === undefined ? '' : `, column "${column}"`}`;
    throw new CsvError(`${this.o.fn}: ${this.o.path}${where}: ${message}`, line, column);
  }

  private column(name: string | number, what: string): number {
    const names = this.names!;
    if (typeof name === 'number') {
      const i = name < 0 ? names.length + name : name;
      if (!Number.isInteger(i) || i < 0 || i >= names.length)
        throw new RangeError(
          `${this.o.fn}: ${what} index ${name} is out of range: ${this.o.path} has ${names.length} columns`,
        );
      return i;
    }
    const i = names.indexOf(name);
    if (i < 0)
      throw new RangeError(
        `${this.o.fn}: ${what} "${name}" is not a column of ${this.o.path} (columns: ${quote(names)})`,
      );
    return i;
  }

  private start(table: CsvTable): void {
    this.names = table.names;
    this.label = this.column(this.o.label ?? -1, 'label');
    this.id = this.o.id === undefined ? -1 : this.column(this.o.id, 'id');
    if (this.id === this.label) throw new RangeError(`${this.o.fn}: id "${this.o.id}" is the label column`);
    const listed = this.o.categorical === 'auto' ? [] : this.o.categorical;
    const chosen = this.o.columns
      ? this.o.columns.map((n) => this.column(n, 'columns entry'))
      : table.names
          .map((_, i) => i)
          .filter((i) => i !== this.label && i !== this.id && !this.o.ignore.includes(table.names[i]));
    for (const n of this.o.ignore) this.column(n, 'ignore entry');
    for (const f of chosen)
      if (f === this.label || f === this.id)
        throw new RangeError(
          `${this.o.fn}: columns lists "${table.names[f]}", the ${f === this.label ? 'label' : 'id'} column`,
        );
    for (const n of listed)
      if (!chosen.includes(this.column(n, 'categorical entry')))
        throw new RangeError(`${this.o.fn}: categorical "${n}" is not among the feature columns`);
    if (chosen.length === 0) throw new RangeError(`${this.o.fn}: no feature columns are left besides the label`);
    this.features = chosen.map((index) => ({
      index,
      texts: 0,
      numbers: 0,
      firstText: null,
      vocabulary: listed.includes(table.names[index]) ? new Counter() : null,
      moments: new Moments(),
      numberCounts: this.o.missing === 'mostFrequent' ? new Counter() : null,
      sample: [],
      seen: 0,
      trainCategories: new Counter(),
      trainMissing: 0,
    }));
  }

  /** One table of the file: column by column, in tight loops over the table's arrays. */
  add({ table, first }: TableChunk): void {
    if (this.names === null) this.start(table);
    const n = table.rows;
    const { missing, split } = this.o;
    // Each row's fate: TRAIN, TEST or DROPPED (no label; or a missing cell under missing: "drop").
    const role = new Uint8Array(n);
    const labelCol = table.columns[this.label];
    for (let r = 0; r < n; r++) {
      const v = labelCol.numbers[r];
      // A column with any text names its cells by their text ("1.0" stays "1.0"), as cellText does.
      const text = labelCol.ids !== null ? cellText(labelCol, r) : null;
      if (text === null && Number.isNaN(v)) {
        if (missing === 'error')
          this.fail(
            'the label is empty (or NA); missing: "drop" (or a fill) drops such rows',
            table.lines[r],
            labelCol.name,
          );
        role[r] = DROPPED;
        this.dropped++;
        continue;
      }
      // Classes come from every labeled row (as `nativenn train` decides them before any drop).
      if (Number.isNaN(v)) this.labelNumeric = false;
      if (text !== null) this.labelTexts.add(text);
      else this.labelNumbers.add(v);
    }
    const rowMissing = new Uint8Array(n);
    for (const s of this.features) this.tally(s, table, role, rowMissing);
    for (let r = 0; r < n; r++) {
      if (role[r] === DROPPED) continue;
      if (rowMissing[r]) {
        if (missing === 'error') {
          const c = this.features.map((f) => table.columns[f.index]).find((c) => cellText(c, r) === null)!;
          this.fail(
            'the cell is empty (or NA); missing: "drop" | "mean" | "median" | "mostFrequent" drops or fills such cells',
            table.lines[r],
            c.name,
          );
        }
        if (missing === 'drop') {
          role[r] = DROPPED;
          this.dropped++;
          continue;
        }
      }
      const part = split ? partOf(first + r, split) : 'train';
      this.rows[part]++;
      if (part === 'test') {
        role[r] = TEST;
        continue;
      }
      if (!Number.isNaN(labelCol.numbers[r])) this.labelMoments.add(Math.fround(labelCol.numbers[r]));
    }
    for (const s of this.features) this.addTraining(s, table.columns[s.index], role);
  }

  /** Kinds of cells (every labeled row), the vocabulary of possible categories, missing cells. */
  private tally(s: ColumnStats, table: CsvTable, role: Uint8Array, rowMissing: Uint8Array): void {
    const c = table.columns[s.index];
    const numbers = c.numbers;
    const ids = c.ids;
    for (let r = 0; r < table.rows; r++) {
      if (role[r] === DROPPED) continue;
      if (ids !== null && ids[r] >= 0 && Number.isNaN(numbers[r])) {
        s.texts++;
        if (s.firstText === null) s.firstText = { text: c.texts[ids[r]], line: table.lines[r] };
        s.vocabulary ??= new Counter();
      } else if (!Number.isNaN(numbers[r])) s.numbers++;
      else rowMissing[r] = 1;
      if (s.vocabulary) {
        const text = cellText(c, r);
        if (text !== null) s.vocabulary.add(text);
      }
    }
  }

  /** The training rows' values: moments, counts (mostFrequent), a sample (median), categories. */
  private addTraining(s: ColumnStats, c: TableColumn, role: Uint8Array): void {
    const numbers = c.numbers;
    const m = s.moments;
    let { n, mean, m2, min, max } = m;
    for (let r = 0; r < numbers.length; r++) {
      if (role[r] !== TRAIN) continue;
      const text = s.vocabulary ? cellText(c, r) : null;
      if (text !== null) s.trainCategories.add(text);
      const v = numbers[r];
      if (Number.isNaN(v)) {
        if (text === null) s.trainMissing++;
        continue;
      }
      const f = Math.fround(v); // the value the model sees
      n++;
      const d = f - mean;
      mean += d / n;
      m2 += d * (f - mean);
      if (f < min) min = f;
      if (f > max) max = f;
      s.numberCounts?.add(v);
      if (this.o.missing === 'median') {
        // Reservoir sampling (Algorithm R): a uniform sample of the column's training values.
        s.seen++;
        if (s.sample.length < SAMPLE) s.sample.push(v);
        else {
          const k = this.random.int(s.seen);
          if (k < SAMPLE) s.sample[k] = v;
        }
      }
    }
    Object.assign(m, { n, mean, m2, min, max });
  }

  finish(): FileStats {
    const o = this.o;
    if (this.rows.train === 0)
      this.fail(`no training rows${this.dropped > 0 ? ` (${this.dropped} dropped for missing cells)` : ''}`);
    const names = this.names!;
    const specs = this.features.map((s) => this.spec(s, names[s.index]));
    const { task, classes } = this.labelKind(names[this.label]);
    const preprocess: Preprocess = {
      format: PREPROCESS_FORMAT,
      version: PREPROCESS_VERSION,
      task,
      data: o.path,
      csv: o.csv,
      columns: specs,
      idColumn: this.id >= 0 ? names[this.id] : null,
      missing: o.missing,
      featureNames: featureNamesOf(specs),
      labelName: names[this.label],
      classes,
      output: task === 'regression' ? 'linear' : 'softmax',
      scaler: this.scaler(specs),
      targetScaler:
        task === 'regression' && o.targetScale === 'standard'
          ? { type: 'standard', mean: [this.labelMoments.mean], std: [this.labelMoments.std] }
          : null,
      split: null,
      test: {},
    };
    return { preprocess, rows: this.rows };
  }

  private labelKind(name: string): { task: 'classification' | 'regression'; classes: string[] | null } {
    const [texts, numbers] = [this.labelTexts.counts, this.labelNumbers.counts];
    const distinct = texts && numbers ? [...new Set([...texts.keys(), ...[...numbers.keys()].map(String)])] : null;
    let task = this.o.task;
    if (task === 'regression' && !this.labelNumeric)
      throw new RangeError(`${this.o.fn}: task "regression" needs a numeric label, but column "${name}" holds text`);
    if (task === undefined) {
      const few = distinct !== null && distinct.length <= MAX_GUESSED_CLASSES;
      task =
        !this.labelNumeric || (few && distinct.every((t) => Number.isInteger(Number(t))))
          ? 'classification'
          : 'regression';
    }
    if (task === 'regression') return { task, classes: null };
    if (distinct === null || distinct.length > MAX_CATEGORIES)
      throw new RangeError(
        `${this.o.fn}: the label column "${name}" holds more than ${MAX_CATEGORIES} classes; is it a regression target? (task: "regression")`,
      );
    if (distinct.length < 2)
      throw new RangeError(
        `${this.o.fn}: the label column "${name}" holds a single class ("${distinct[0]}"); classification needs at least two`,
      );
    const classes = this.labelNumeric ? distinct.sort((a, b) => Number(a) - Number(b)) : distinct.sort();
    return { task, classes };
  }

  private spec(s: ColumnStats, name: string): ColumnSpec {
    const o = this.o;
    const listed = o.categorical !== 'auto' && o.categorical.includes(name);
    const categorical = listed || (o.categorical === 'auto' && s.texts > s.numbers);
    if (!categorical) {
      if (s.firstText)
        this.fail(
          `"${s.firstText.text.slice(0, 40)}" is not a number (to treat the column as text: categorical: ["${name}"])`,
          s.firstText.line,
          name,
        );
      return { name, kind: 'numeric', fill: this.numericFill(s, name) };
    }
    const vocabulary = s.vocabulary?.counts;
    if (!vocabulary || vocabulary.size > MAX_CATEGORIES)
      this.fail(`column "${name}" holds more than ${MAX_CATEGORIES} distinct values: too many to be categories`);
    if (vocabulary.size === 0) this.fail(`column "${name}": every cell is missing`);
    const categories = [...vocabulary.keys()].sort();
    const fill = o.missing === 'error' || o.missing === 'drop' ? null : (s.trainCategories.top() ?? categories[0]);
    return { name, kind: 'categorical', categories, fill };
  }

  private numericFill(s: ColumnStats, name: string): number | null {
    const policy = this.o.missing;
    if (policy === 'error' || policy === 'drop') return null;
    if (s.moments.n === 0) this.fail(`column "${name}": no training row has a value to fill with`);
    if (policy === 'mean') return Math.fround(s.moments.mean);
    if (policy === 'median') {
      const v = s.sample.sort((a, b) => a - b);
      const m = v.length >> 1;
      return Math.fround(v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2);
    }
    if (!s.numberCounts?.counts)
      this.fail(`column "${name}" holds too many distinct numbers for missing: "mostFrequent"; use "mean" or "median"`);
    return Math.fround(s.numberCounts.top()!);
  }

  /** The scaler over the encoded inputs of the training rows, missing cells filled. */
  private scaler(specs: ColumnSpec[]): Preprocess['scaler'] {
    if (this.o.scale === 'none') return null;
    const per: Moments[] = [];
    specs.forEach((spec, j) => {
      const s = this.features[j];
      if (spec.kind === 'numeric') {
        const m = s.moments;
        if (spec.fill !== null && s.trainMissing > 0) m.add(spec.fill, s.trainMissing);
        per.push(m);
        return;
      }
      const counts = s.trainCategories.counts!;
      const fitted = this.rows.train + this.rows.validation;
      const missing = fitted - [...counts.values()].reduce((a, b) => a + b, 0);
      for (const category of spec.categories) {
        // One-hot input: ones for rows of this category (and for filled rows if it is the fill).
        const ones = (counts.get(category) ?? 0) + (category === spec.fill ? missing : 0);
        const m = new Moments();
        m.n = fitted;
        m.mean = ones / m.n;
        m.m2 = ones * (1 - m.mean) ** 2 + (m.n - ones) * m.mean ** 2;
        m.min = ones < m.n ? 0 : 1;
        m.max = ones > 0 ? 1 : 0;
        per.push(m);
      }
    });
    if (per.some((m) => !(Math.abs(m.min) <= FLOAT32_MAX && Math.abs(m.max) <= FLOAT32_MAX)))
      this.fail('a training value is beyond the float32 range (±3.4e38)');
    if (this.o.scale === 'standard')
      return { type: 'standard', mean: per.map((m) => m.mean), std: per.map((m) => m.std) };
    return { type: 'minMax', featureRange: [0, 1], dataMin: per.map((m) => m.min), dataMax: per.map((m) => m.max) };
  }
}
