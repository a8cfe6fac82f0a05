/**
 * Reading a model folder without trusting it. Order matters, so that a bad file costs nothing:
 * 1. model.json: stat (size cap), read, JSON.parse, check every key of the top level, the
 *    topology (topology.ts), the training config and the manifest (names, shapes, dtypes) —
 *    shapes are multiplied with overflow checks and capped before anything is sized by them;
 * 2. shard paths: relative, no '..', no absolute paths, and realpath (symlinks followed) inside the
 *    model folder's realpath, regular files only — nothing outside the folder is opened;
 * 3. shard sizes (stat) must add up to exactly the bytes the manifest describes, so the one
 *    allocation is the size of files that exist and were promised;
 * 4. read exactly that many bytes (a file that changed meanwhile is refused), unpack, and refuse
 *    NaN/Infinity.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { ModelSpec, NamedWeight, WeightSpecJson } from './format';
import { FORMAT, MAX_MODEL_JSON_BYTES, MAX_WEIGHT_BYTES, MAX_WEIGHT_ELEMENTS, MODEL_JSON } from './format';
import { ModelFileError, StrictObject } from './strict';
import { decodeTopology } from './topology';
import { decodeTrainingConfig } from './training-config';
import { byteLengthOf, firstNonFinite, unpackWeights } from './weights';

export interface ModelFiles {
  /** absolute path of model.json */
  modelJsonPath: string;
  spec: ModelSpec;
  weights: NamedWeight[];
}

/** `dir` or `dir/model.json` (any *.json file) → absolute path of the model.json. */
async function locateModelJson(arg: string): Promise<string> {
  if (typeof arg !== 'string' || arg.length === 0) {
    throw new TypeError(
      `loadModel: path must be a non-empty string, got ${typeof arg === 'string' ? '""' : typeof arg}`,
    );
  }
  const abs = path.resolve(arg);
  let st: Awaited<ReturnType<typeof fsp.stat>>;
  try {
    st = await fsp.stat(abs);
  } catch {
    throw new ModelFileError(`loadModel: ${abs} does not exist`);
  }
  if (st.isDirectory()) {
    const json = path.join(abs, MODEL_JSON);
    try {
      if ((await fsp.stat(json)).isFile()) return json;
    } catch {
      /* reported below */
    }
    throw new ModelFileError(`loadModel: ${abs} has no ${MODEL_JSON}`);
  }
  if (!st.isFile()) throw new ModelFileError(`loadModel: ${abs} is not a file or folder`);
  return abs;
}

function checkShape(v: unknown, where: string): number[] {
  if (!Array.isArray(v)) throw new ModelFileError(`${where} must be an array of integers`);
  if (v.length > 8) throw new ModelFileError(`${where} has ${v.length} dimensions (at most 8)`);
  let count = 1;
  for (const d of v) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ModelFileError(`${where} must hold non-negative integers, got ${JSON.stringify(v)}`);
    }
    count *= d; // exact in a double while ≤ 2^53; checked against the cap at each step
    if (count > MAX_WEIGHT_ELEMENTS) {
      throw new ModelFileError(`${where} ${JSON.stringify(v)} is too large (more than ${MAX_WEIGHT_ELEMENTS} values)`);
    }
  }
  return v as number[];
}

function checkWeightSpec(v: unknown, where: string): WeightSpecJson {
  const o = StrictObject.of(v, where);
  const name = o.string('name');
  const shape = checkShape(o.required('shape'), o.at('shape'));
  const dtype = o.string('dtype');
  const group = o.has('group') ? o.string('group') : undefined;
  if (group !== undefined && group !== 'model' && group !== 'optimizer') {
    throw new ModelFileError(`${o.at('group')} must be "model" or "optimizer", got "${group}"`);
  }
  if (dtype !== 'float32' && !(dtype === 'int32' && group === 'optimizer')) {
    throw new ModelFileError(
      `${o.at('dtype')}: weight "${name}" has dtype "${dtype}"; only float32 weights (and int32 optimizer counters) are supported`,
    );
  }
  o.mustBeNull('quantization', 'quantized weights');
  o.done();
  const spec: WeightSpecJson = { name, shape, dtype };
  if (group) spec.group = group;
  return spec;
}

/** A manifest path → its real absolute path, refused unless it stays inside `realDir`. */
async function resolveShard(realDir: string, p: string, where: string): Promise<string> {
  if (p.length === 0 || p.includes('\0')) throw new ModelFileError(`${where}: invalid path ${JSON.stringify(p)}`);
  if (path.isAbsolute(p) || path.win32.isAbsolute(p)) {
    throw new ModelFileError(
      `${where}: path ${JSON.stringify(p)} is absolute; shard paths must be relative to the model folder`,
    );
  }
  if (p.split(/[\\/]/).includes('..')) {
    throw new ModelFileError(`${where}: path ${JSON.stringify(p)} leaves the model folder ('..' is not allowed)`);
  }
  const lexical = path.resolve(realDir, p);
  let real: string;
  try {
    real = await fsp.realpath(lexical);
  } catch {
    throw new ModelFileError(`${where}: weights file ${JSON.stringify(p)} is missing (${lexical})`);
  }
  const rel = path.relative(realDir, real);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new ModelFileError(
      `${where}: path ${JSON.stringify(p)} resolves (through a symlink) outside the model folder`,
    );
  }
  return real;
}

interface Group {
  specs: WeightSpecJson[];
  shards: { real: string; shown: string; size: number }[];
  bytes: number;
}

async function checkManifest(v: unknown, realDir: string, where: string): Promise<Group[]> {
  if (!Array.isArray(v)) throw new ModelFileError(`${where} must be an array`);
  const groups: Group[] = [];
  let total = 0;
  const names = new Set<string>();
  for (let g = 0; g < v.length; g++) {
    const gw = `${where}[${g}]`;
    const o = StrictObject.of(v[g], gw);
    const paths = o.array('paths');
    const specs = o.array('weights').map((w, i) => checkWeightSpec(w, `${o.at('weights')}[${i}]`));
    o.done();
    for (const s of specs) {
      if (names.has(s.name)) throw new ModelFileError(`${gw}: duplicate weight name "${s.name}"`);
      names.add(s.name);
    }
    const bytes = byteLengthOf(specs);
    total += bytes;
    if (total > MAX_WEIGHT_BYTES)
      throw new ModelFileError(`${where}: the weights add up to more than ${MAX_WEIGHT_BYTES} bytes`);
    const shards: Group['shards'] = [];
    for (let i = 0; i < paths.length; i++) {
      const p = paths[i];
      if (typeof p !== 'string') throw new ModelFileError(`${o.at('paths')}[${i}] must be a string`);
      const real = await resolveShard(realDir, p, `${o.at('paths')}[${i}]`);
      const st = await fsp.stat(real);
      if (!st.isFile()) throw new ModelFileError(`${o.at('paths')}[${i}]: ${JSON.stringify(p)} is not a regular file`);
      shards.push({ real, shown: p, size: st.size });
    }
    const found = shards.reduce((s, f) => s + f.size, 0);
    if (found !== bytes) {
      const files = shards.map((f) => `${f.shown} (${f.size} bytes)`).join(' + ') || 'no files';
      const verdict = found < bytes ? 'truncated' : 'too large';
      throw new ModelFileError(
        `${gw}: weights are ${verdict}: the manifest's shapes need ${bytes} bytes, ${files} hold ${found}`,
      );
    }
    groups.push({ specs, shards, bytes });
  }
  return groups;
}

/** Reads exactly `size` bytes of `file` into `out` at `offset`; refuses a file that changed. */
async function readExactly(file: string, shown: string, size: number, out: Uint8Array, offset: number): Promise<void> {
  const fh = await fsp.open(file, 'r');
  try {
    let done = 0;
    while (done < size) {
      const { bytesRead } = await fh.read(out, offset + done, size - done, done);
      if (bytesRead === 0) throw new ModelFileError(`loadModel: ${shown} shrank while being read`);
      done += bytesRead;
    }
    const probe = await fh.read(new Uint8Array(1), 0, 1, size);
    if (probe.bytesRead !== 0) throw new ModelFileError(`loadModel: ${shown} grew while being read`);
  } finally {
    await fh.close();
  }
}

/** Reads and checks a model folder (or its model.json); throws ModelFileError naming the problem. */
export async function readModelFiles(arg: string): Promise<ModelFiles> {
  const modelJsonPath = await locateModelJson(arg);
  const realDir = await fsp.realpath(path.dirname(modelJsonPath));
  const rel = path.relative(process.cwd(), modelJsonPath);
  const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : modelJsonPath;
  const st = await fsp.stat(modelJsonPath);
  if (st.size > MAX_MODEL_JSON_BYTES)
    throw new ModelFileError(`${shown} is ${st.size} bytes; a model.json is at most ${MAX_MODEL_JSON_BYTES}`);
  let json: unknown;
  try {
    json = JSON.parse(await fsp.readFile(modelJsonPath, 'utf8'));
  } catch (e) {
    throw new ModelFileError(`${shown} is not valid JSON: ${(e as Error).message}`);
  }
  const top = StrictObject.of(json, shown);
  if (top.has('format') && top.raw('format') !== FORMAT) {
    throw new ModelFileError(
      `${top.at('format')} must be "${FORMAT}" (a tfjs Layers model), got ${JSON.stringify(top.raw('format'))}`,
    );
  }
  top.ignore('format', 'generatedBy', 'convertedBy', 'userDefinedMetadata');
  for (const k of ['signature', 'modelInitializer', 'initializerSignature']) top.mustBeNull(k, `${k} (graph models)`);
  const topology = decodeTopology(top.required('modelTopology'), top.at('modelTopology'));
  const training =
    top.has('trainingConfig') && top.raw('trainingConfig') !== null
      ? decodeTrainingConfig(top.raw('trainingConfig'), top.at('trainingConfig'))
      : null;
  top.ignore('trainingConfig');
  const groups = await checkManifest(top.required('weightsManifest'), realDir, top.at('weightsManifest'));
  top.done();

  const weights: NamedWeight[] = [];
  for (const g of groups) {
    const bytes = new Uint8Array(g.bytes);
    let offset = 0;
    for (const f of g.shards) {
      await readExactly(f.real, f.shown, f.size, bytes, offset);
      offset += f.size;
    }
    for (const w of unpackWeights(g.specs, bytes)) {
      const bad = firstNonFinite(w.data);
      if (bad >= 0)
        throw new ModelFileError(
          `${shown}: weight "${w.name}" holds ${w.data[bad]} at index ${bad}; weights must be finite`,
        );
      weights.push(w);
    }
  }
  return { modelJsonPath, spec: { ...topology, training }, weights };
}
