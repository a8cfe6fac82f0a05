/**
 * preprocess.json, version 2 (docs/preprocess.md is the prose form): what turns a CSV's raw
 * records into the model's inputs, and the model's outputs into labels. `nativenn train` writes
 * it; `nativenn predict` and nn.loadPipeline read it through readPreprocess, which opens the file
 * without following it into a FIFO, bounds its size on the handle, and checks every field.
 * Version 1 files (numeric columns only) are read and upgraded.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { describe } from './data/args';
import { type ScalerJSON, scalerFromJSON } from './data/scalers';

export const PREPROCESS_FORMAT = 'nativenn-preprocess';
export const PREPROCESS_VERSION = 2;
/** preprocess.json is small (test row indices dominate: ~8 bytes a row); more is not one. */
export const MAX_PREPROCESS_BYTES = 64 * 1024 * 1024;

export type Task = 'classification' | 'regression';
export type OutputKind = 'softmax' | 'sigmoid' | 'linear';
export type MissingPolicy = 'error' | 'drop' | 'mean' | 'median' | 'mostFrequent';
export const MISSING_POLICIES: readonly MissingPolicy[] = ['error', 'drop', 'mean', 'median', 'mostFrequent'];

/** A feature column of the CSV, in the model's input order. */
export type ColumnSpec =
  | { name: string; kind: 'numeric'; fill: number | null }
  | { name: string; kind: 'categorical'; categories: string[]; fill: string | null };

export interface CsvFormat {
  delimiter: string;
  decimal: '.' | ',';
  encoding: 'utf8' | 'latin1';
}

export interface Preprocess {
  format: typeof PREPROCESS_FORMAT;
  version: typeof PREPROCESS_VERSION;
  task: Task;
  /** "digits" or the CSV path trained on. */
  data: string;
  /** How the training CSV was read (predict reads new files the same way); null for digits. */
  csv: CsvFormat | null;
  /** The feature columns in order; a categorical one becomes one input per category. */
  columns: ColumnSpec[];
  /** Carried from the input to the predictions file; never a feature. */
  idColumn: string | null;
  /** What was done with missing cells; the fills in `columns` are applied at predict time. */
  missing: MissingPolicy;
  /** The model's inputs: a numeric column's name, `column=category` per category. */
  featureNames: string[];
  labelName: string;
  /** Class names in output order (classification), else null. */
  classes: string[] | null;
  output: OutputKind;
  /** Fitted on the training rows, applied to the inputs; null with --scale none. */
  scaler: ScalerJSON | null;
  /** Regression: the target's standardization (the model predicts scaled values). */
  targetScaler: ScalerJSON | null;
  /** The data rows (0-based, header not counted) held out for the test, and how many rows the data had. */
  split: { rows: number; testRows: number[] } | null;
  /** The test results train reported. */
  test: Record<string, number>;
}

/** preprocess.json is missing, unreadable, or not what it should be. */
export class PreprocessError extends Error {
  override readonly name = 'PreprocessError';
}

type Json = Record<string, unknown>;

class Checker {
  constructor(private readonly where: string) {}
  fail(field: string, expected: string, got: unknown): never {
    throw new PreprocessError(`${this.where}: "${field}" must be ${expected}, got ${describe(got)}`);
  }
  string(o: Json, k: string): string {
    return typeof o[k] === 'string' ? (o[k] as string) : this.fail(k, 'a string', o[k]);
  }
  oneOf<T extends string>(o: Json, k: string, choices: readonly T[]): T {
    return choices.includes(o[k] as T) ? (o[k] as T) : this.fail(k, `one of ${choices.join(', ')}`, o[k]);
  }
  strings(o: Json, k: string, unique: boolean): string[] {
    const v = o[k];
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) return this.fail(k, 'an array of strings', v);
    if (unique && new Set(v).size !== v.length) return this.fail(k, 'an array of distinct strings', v);
    return v as string[];
  }
  object(o: Json, k: string): Json {
    const v = o[k];
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : this.fail(k, 'an object', v);
  }
  scaler(o: Json, k: string, width: number): ScalerJSON | null {
    if (o[k] === null) return null;
    let s: ReturnType<typeof scalerFromJSON>;
    try {
      s = scalerFromJSON(o[k] as ScalerJSON);
    } catch (e) {
      throw new PreprocessError(`${this.where}: "${k}": ${(e as Error).message}`);
    }
    const json = s.toJSON();
    const n = json.type === 'minMax' ? json.dataMin.length : json.mean.length;
    if (n !== width) this.fail(k, `a scaler of ${width} column${width === 1 ? '' : 's'}`, `one of ${n}`);
    return json;
  }
}

function columnSpec(c: Checker, v: unknown, i: number): ColumnSpec {
  const k = `columns[${i}]`;
  if (typeof v !== 'object' || v === null) return c.fail(k, 'an object', v);
  const o = v as Json;
  const name = typeof o.name === 'string' ? o.name : c.fail(`${k}.name`, 'a string', o.name);
  if (o.kind === 'numeric') {
    const fill = o.fill;
    if (fill !== null && !(typeof fill === 'number' && Number.isFinite(fill)))
      return c.fail(`${k}.fill`, 'a finite number or null', fill);
    return { name, kind: 'numeric', fill: fill as number | null };
  }
  if (o.kind === 'categorical') {
    const categories = c.strings(o, 'categories', true);
    if (categories.length === 0) return c.fail(`${k}.categories`, 'a non-empty array', categories);
    if (o.fill !== null && !categories.includes(o.fill as string))
      return c.fail(`${k}.fill`, 'one of its categories or null', o.fill);
    return { name, kind: 'categorical', categories, fill: o.fill as string | null };
  }
  return c.fail(`${k}.kind`, '"numeric" or "categorical"', o.kind);
}

/** The model inputs a list of columns makes (numeric: its name; categorical: name=category each). */
export function featureNamesOf(columns: readonly ColumnSpec[]): string[] {
  return columns.flatMap((c) => (c.kind === 'numeric' ? [c.name] : c.categories.map((v) => `${c.name}=${v}`)));
}

/** Checks every field of a parsed preprocess.json (version 1 or 2); returns it as version 2. */
export function validatePreprocess(json: unknown, where: string): Preprocess {
  const c = new Checker(where);
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new PreprocessError(`${where}: expected a JSON object, got ${describe(json)}`);
  const o = json as Json;
  if (o.format !== PREPROCESS_FORMAT)
    throw new PreprocessError(`${where} is not a nativenn preprocess file ("format" is ${describe(o.format)})`);
  if (o.version === undefined)
    throw new PreprocessError(`${where} has no "version"; nativenn writes 1 or 2 (was it edited by hand?)`);
  if (o.version !== 1 && o.version !== 2)
    throw new PreprocessError(
      `${where}: version ${describe(o.version)} is not one this nativenn reads (1 or 2); a newer nativenn wrote it?`,
    );
  const task = c.oneOf(o, 'task', ['classification', 'regression'] as const);
  const data = c.string(o, 'data');
  const labelName = c.string(o, 'labelName');
  const output = c.oneOf(o, 'output', ['softmax', 'sigmoid', 'linear'] as const);
  const classes = o.classes === null ? null : c.strings(o, 'classes', true);
  if (task === 'classification' && (classes === null || classes.length < 2))
    c.fail('classes', 'at least two class names for classification', o.classes);
  if (task === 'regression' && classes !== null) c.fail('classes', 'null for regression', o.classes);
  if ((task === 'regression') !== (output === 'linear')) c.fail('output', `an output that fits ${task}`, output);
  if (output === 'sigmoid' && classes!.length !== 2) c.fail('classes', 'two classes with a sigmoid output', classes);

  let columns: ColumnSpec[];
  let csv: CsvFormat | null = null;
  let idColumn: string | null = null;
  let missing: MissingPolicy = 'error';
  let split: Preprocess['split'] = null;
  if (o.version === 1) {
    columns = c.strings(o, 'featureNames', true).map((name) => ({ name, kind: 'numeric', fill: null }));
    if (data !== 'digits') csv = { delimiter: ',', decimal: '.', encoding: 'utf8' };
    if (o.testRows !== null && o.testRows !== undefined) split = { rows: -1, testRows: rowList(c, o.testRows) };
  } else {
    if (!Array.isArray(o.columns) || o.columns.length === 0) c.fail('columns', 'a non-empty array', o.columns);
    columns = (o.columns as unknown[]).map((v, i) => columnSpec(c, v, i));
    if (new Set(columns.map((s) => s.name)).size !== columns.length) c.fail('columns', 'columns of distinct names', '');
    if (o.csv !== null) {
      const f = c.object(o, 'csv');
      const delimiter = c.string(f, 'delimiter');
      if (delimiter.length !== 1) c.fail('csv.delimiter', 'one character', delimiter);
      csv = {
        delimiter,
        decimal: c.oneOf(f, 'decimal', ['.', ','] as const),
        encoding: c.oneOf(f, 'encoding', ['utf8', 'latin1'] as const),
      };
    }
    idColumn = o.idColumn === null ? null : c.string(o, 'idColumn');
    missing = c.oneOf(o, 'missing', MISSING_POLICIES);
    if (o.split !== null) {
      const s = c.object(o, 'split');
      if (!Number.isInteger(s.rows) || (s.rows as number) < 1) c.fail('split.rows', 'a positive integer', s.rows);
      split = { rows: s.rows as number, testRows: rowList(c, s.testRows, s.rows as number) };
    }
  }
  const featureNames = featureNamesOf(columns);
  if (o.version === 2) {
    const listed = c.strings(o, 'featureNames', true);
    if (listed.join('\u0000') !== featureNames.join('\u0000'))
      c.fail('featureNames', 'the inputs its columns make', `${listed.length} names that differ`);
  }
  const test = o.test === undefined ? {} : c.object(o, 'test');
  for (const [k, v] of Object.entries(test)) if (typeof v !== 'number') c.fail(`test.${k}`, 'a number', v);
  return {
    format: PREPROCESS_FORMAT,
    version: PREPROCESS_VERSION,
    task,
    data,
    csv,
    columns,
    idColumn,
    missing,
    featureNames,
    labelName,
    classes,
    output,
    scaler: c.scaler(o, 'scaler', featureNames.length),
    targetScaler: task === 'regression' ? c.scaler(o, 'targetScaler', 1) : null,
    split,
    test: test as Record<string, number>,
  };
}

function rowList(c: Checker, v: unknown, rows = Number.MAX_SAFE_INTEGER): number[] {
  if (!Array.isArray(v) || !v.every((r) => Number.isInteger(r) && r >= 0 && r < rows))
    return c.fail('split.testRows', `an array of row indices below ${rows}`, v);
  return v as number[];
}

/** Reads and validates preprocess.json: opened without blocking (a FIFO is refused, not waited
 *  on), checked to be a regular file of at most MAX_PREPROCESS_BYTES on the open handle. */
export async function readPreprocess(file: string): Promise<Preprocess> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw Object.assign(new PreprocessError(`${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`), {
      code,
    });
  }
  let text: string;
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new PreprocessError(`${file} is not a regular file`);
    if (st.size > MAX_PREPROCESS_BYTES)
      throw new PreprocessError(`${file} is ${st.size} bytes; a preprocess file is at most ${MAX_PREPROCESS_BYTES}`);
    const buf = Buffer.alloc(st.size);
    const { bytesRead } = await handle.read(buf, 0, st.size, 0);
    text = buf.toString('utf8', 0, bytesRead);
  } finally {
    await handle.close();
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PreprocessError(`${file} is not valid JSON (${(e as Error).message})`);
  }
  return validatePreprocess(json, file);
}
