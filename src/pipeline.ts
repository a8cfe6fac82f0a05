/**
 * nn.loadPipeline(runDir): a `nativenn train` run folder (model/ and preprocess.json) as one
 * object whose predict(rows) takes raw records or a CSV path and returns labels and
 * probabilities (or values): the code `nativenn predict` runs. Also nn.loadModel, which accepts
 * a run folder besides a model folder.
 */
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { describe } from './data/args';
import { type CsvTable, MISSING_TOKENS, readCsvTable, type TableColumn } from './data/csv-table';
import { scalerFromJSON } from './data/scalers';
import { loadModel as loadModelFolder } from './io/load';
import { ModelFileError } from './io/strict';
import type { Functional } from './model/functional';
import { Sequential } from './model/sequential';
import { type Encoded, encodeTable } from './pipeline-encode';
import { type Preprocess, PreprocessError, readPreprocess } from './pipeline-schema';
import type { Tensor } from './tensor';

export const PREPROCESS_JSON = 'preprocess.json';
export const MODEL_DIR = 'model';

const isFile = async (p: string) => (await stat(p).catch(() => null))?.isFile() === true;

/** Loads a saved model: a model folder, its model.json, or a `nativenn train` run folder (its model/). */
export async function loadModel(dirOrModelJson: string): Promise<Sequential | Functional> {
  if (typeof dirOrModelJson === 'string' && !dirOrModelJson.endsWith('.json')) {
    const inner = path.join(dirOrModelJson, MODEL_DIR);
    if (!(await isFile(path.join(dirOrModelJson, 'model.json'))) && (await isFile(path.join(inner, 'model.json'))))
      return loadModelFolder(inner);
  }
  return loadModelFolder(dirOrModelJson);
}

export interface PipelinePrediction {
  /** The table rows predicted (rows dropped for missing cells under `missing: drop` are not). */
  rows: Int32Array;
  /** Each row's id when the data has the id column, else null. */
  ids: string[] | null;
  /** Classification: the predicted class of each row; regression: null. */
  labels: string[] | null;
  /** Classification: [rows × classes] probabilities, row-major, classes in `classes` order. */
  probabilities: Float32Array | null;
  classes: string[] | null;
  /** Regression: the predicted values in the label's units; classification: null. */
  values: Float32Array | null;
  /** The true labels, when the data holds the label column. */
  truth: string[] | Float64Array | null;
  /** Notes for the user: ignored columns, unseen categories, dropped rows. */
  notes: string[];
}

/** Class probabilities [rows, classes] from the outputs (a sigmoid unit is the second class's). */
export function probabilities(p: Pick<Preprocess, 'output'>, outputs: Tensor<Float32Array>): Float32Array {
  if (p.output !== 'sigmoid') return outputs.data;
  const rows = outputs.shape[0];
  const out = new Float32Array(rows * 2);
  for (let r = 0; r < rows; r++) {
    out[2 * r] = 1 - outputs.data[r];
    out[2 * r + 1] = outputs.data[r];
  }
  return out;
}

export function argmaxRows(values: Float32Array, cols: number): Int32Array {
  const rows = values.length / cols;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[r * cols + c] > values[r * cols + best]) best = c;
    out[r] = best;
  }
  return out;
}

/** Regression outputs in the label's units. */
export function regressionValues(p: Pick<Preprocess, 'targetScaler'>, outputs: Tensor<Float32Array>): Float32Array {
  return p.targetScaler ? scalerFromJSON(p.targetScaler).inverseTransform(outputs).data : outputs.data;
}

/** Checks that preprocess.json and the model fit together (inputs, outputs, classes). */
export function checkAgainstModel(p: Preprocess, model: Sequential, where: string): void {
  const outputs = p.output === 'softmax' ? p.classes!.length : 1;
  if (model.inputSize !== p.featureNames.length)
    throw new PreprocessError(`${where}: lists ${p.featureNames.length} inputs, the model takes ${model.inputSize}`);
  if (model.outputSize !== outputs)
    throw new PreprocessError(
      `${where}: ${p.classes ? `lists ${p.classes.length} classes (${p.output} output)` : 'is for regression'}, so the model should have ${outputs} output${outputs > 1 ? 's' : ''}; it has ${model.outputSize}`,
    );
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DECIMAL_COMMA = /^[+-]?\d*,\d+$/;

/** Raw records (objects keyed by column name, values as strings or numbers) as a table; with
 *  decimal ',' a string such as "3,25" is the number 3.25, as in the CSV trained on. */
export function tableFromRecords(records: readonly Record<string, unknown>[], decimal: '.' | ',' = '.'): CsvTable {
  if (!Array.isArray(records))
    throw new TypeError(`predict: rows must be an array of records or a CSV path, got ${describe(records)}`);
  const names: string[] = [];
  const seen = new Set<string>();
  for (const [i, rec] of records.entries()) {
    if (typeof rec !== 'object' || rec === null || Array.isArray(rec))
      throw new TypeError(`predict: rows[${i}] must be an object keyed by column name, got ${describe(rec)}`);
    for (const k of Object.keys(rec)) {
      if (!seen.has(k)) names.push(k);
      seen.add(k);
    }
  }
  const n = records.length;
  const missing = new Set(MISSING_TOKENS);
  const columns: TableColumn[] = names.map((name) => {
    const c: TableColumn = { name, numbers: new Float64Array(n), ids: null, texts: [], missing: 0 };
    const index = new Map<string, number>();
    const texts: (string | null)[] = [];
    records.forEach((rec, r) => {
      const v = rec[name];
      let text: string | null = null;
      if (typeof v === 'number') text = Number.isNaN(v) ? null : String(v);
      else if (typeof v === 'string') text = v.trim() === '' || missing.has(v.trim()) ? null : v.trim();
      else if (typeof v === 'boolean') text = String(v);
      else if (v !== null && v !== undefined)
        throw new TypeError(`predict: rows[${r}].${name} must be a string, number or boolean, got ${describe(v)}`);
      texts.push(text);
      const number = text !== null && decimal === ',' && DECIMAL_COMMA.test(text) ? text.replace(',', '.') : text;
      c.numbers[r] = number !== null && NUMBER.test(number) ? Number(number) : Number.NaN;
      if (text === null) c.missing++;
    });
    if (texts.some((t, r) => t !== null && Number.isNaN(c.numbers[r]))) {
      c.ids = Int32Array.from(texts, (t) => {
        if (t === null) return -1;
        if (!index.has(t)) index.set(t, c.texts.push(t) - 1);
        return index.get(t)!;
      });
    }
    return c;
  });
  return {
    source: 'rows',
    names,
    rows: n,
    columns,
    lines: Int32Array.from({ length: n }, (_, r) => r + 1),
    delimiter: ',',
  };
}

export class Pipeline {
  constructor(
    readonly model: Sequential,
    readonly preprocess: Preprocess,
  ) {}

  /** Reads a CSV the way the training file was read (its delimiter, decimal and encoding). */
  readCsv(file: string, overrides: { delimiter?: string; decimal?: '.' | ','; encoding?: 'utf8' | 'latin1' } = {}) {
    const f = this.preprocess.csv;
    return readCsvTable(file, {
      delimiter: overrides.delimiter ?? f?.delimiter ?? 'auto',
      decimal: overrides.decimal ?? f?.decimal ?? '.',
      encoding: overrides.encoding ?? f?.encoding ?? 'utf8',
    });
  }

  encode(table: CsvTable, rows?: Int32Array): Encoded {
    return encodeTable(this.preprocess, table, rows);
  }

  /** Predictions for encoded rows. */
  async predictEncoded(e: Encoded): Promise<PipelinePrediction> {
    const p = this.preprocess;
    const base = { rows: e.rows, ids: e.ids, truth: e.truth, notes: e.notes, classes: p.classes };
    if (e.x.shape[0] === 0) {
      return {
        ...base,
        labels: p.classes ? [] : null,
        probabilities: p.classes ? new Float32Array(0) : null,
        values: p.classes ? null : new Float32Array(0),
      };
    }
    const outputs = await this.model.predictAsync(e.x);
    if (!p.classes) return { ...base, labels: null, probabilities: null, values: regressionValues(p, outputs) };
    const probs = probabilities(p, outputs);
    const classes = p.classes;
    const labels = Array.from(argmaxRows(probs, classes.length), (k) => classes[k]);
    return { ...base, labels, probabilities: probs, values: null };
  }

  /** Predicts raw records (objects keyed by column name) or every row of a CSV file. */
  async predict(rows: string | readonly Record<string, unknown>[]): Promise<PipelinePrediction> {
    const table =
      typeof rows === 'string' ? await this.readCsv(rows) : tableFromRecords(rows, this.preprocess.csv?.decimal);
    return this.predictEncoded(this.encode(table));
  }
}

/** The preprocess file of a run folder (or of the folder above a model/ folder given instead). */
export async function findRun(dir: string): Promise<{ preprocess: Preprocess; runDir: string }> {
  if (typeof dir !== 'string' || dir.length === 0)
    throw new TypeError(`loadPipeline: runDir must be a non-empty string, got ${describe(dir)}`);
  for (const runDir of [dir, path.dirname(path.resolve(dir))]) {
    try {
      return { preprocess: await readPreprocess(path.join(runDir, PREPROCESS_JSON)), runDir };
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw e;
    }
  }
  throw new PreprocessError(`no ${PREPROCESS_JSON} in ${dir}; give the folder \`nativenn train\` wrote (its --out)`);
}

/** loadModel for what takes Sequential models only (pipelines, the CLI, ONNX export): a functional
 *  model file is refused by name. */
export async function loadSequentialModel(dir: string, fn: string): Promise<Sequential> {
  const model = await loadModel(dir);
  if (!(model instanceof Sequential))
    throw new ModelFileError(
      `${fn}: ${dir} holds a functional model ("${model.name}"); ${fn} works with Sequential models only (nn.loadModel loads it)`,
    );
  return model;
}

/** Loads a `nativenn train` run folder as a Pipeline (see the file comment). */
export async function loadPipeline(runDir: string): Promise<Pipeline> {
  const run = await findRun(runDir);
  const model = await loadSequentialModel(path.join(run.runDir, MODEL_DIR), 'loadPipeline');
  checkAgainstModel(run.preprocess, model, path.join(run.runDir, PREPROCESS_JSON));
  return new Pipeline(model, run.preprocess);
}
