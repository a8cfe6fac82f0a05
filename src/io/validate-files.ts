/**
 * Reading a model folder without trusting it. Order matters, so that a bad file costs nothing:
 * 0. the path: file:// stripped, other schemes refused; a model.json inside a folder may not be a
 *    symlink out of it; every file is opened O_NONBLOCK | O_NOFOLLOW and checked on its handle
 *    (regular file, size cap), see open-safely.ts;
 * 1. model.json: read (size cap), JSON.parse, check every key of the top level, the
 *    topology (topology.ts), the training config and the manifest (names, shapes, dtypes) —
 *    shapes are multiplied with overflow checks and capped before anything is sized by them;
 * 2. shard paths: at most MAX_SHARDS (counted before any is looked at); relative, no '..', no
 *    absolute paths, and realpath (symlinks followed) inside the model folder's realpath, regular
 *    files only — nothing outside the folder is opened;
 * 3. shard sizes (fstat of the open handles) must add up to exactly the bytes the manifest describes, so the one
 *    allocation is the size of files that exist and were promised;
 * 4. read exactly that many bytes (a file that changed meanwhile is refused), unpack, and refuse
 *    NaN/Infinity.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { ModelSpec, NamedWeight, WeightSpecJson } from './format';
import { FORMAT, MAX_MODEL_JSON_BYTES, MAX_WEIGHT_BYTES, MAX_WEIGHT_ELEMENTS, MODEL_JSON } from './format';
import { type OpenedFile, openRegularFile, readExactly, readSmallFile } from './open-safely';
import { localModelPath } from './paths';
import { isPlainObject, ModelFileError, StrictObject } from './strict';
import { decodeTopology } from './topology';
import { decodeTrainingConfig } from './training-config';
import { byteLengthOf, firstNonFinite, unpackWeights } from './weights';

export interface ModelFiles {
  /** absolute path of model.json */
  modelJsonPath: string;
  spec: ModelSpec;
  weights: NamedWeight[];
}

interface Located {
  /** the path as named (a folder's model.json, or the .json file given), absolute */
  modelJsonPath: string;
  /** its real path, and the real folder its shard paths are relative to */
  real: string;
  realDir: string;
}

function inside(realDir: string, real: string): boolean {
  const rel = path.relative(realDir, real);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** `dir` or `dir/model.json` (any *.json file). The caller's own path may be a symlink; a
 *  model.json found inside a folder must not lead out of it. Both must end at a regular file. */
async function locateModelJson(arg: string): Promise<Located> {
  const abs = path.resolve(localModelPath('loadModel: path', arg));
  let st: Awaited<ReturnType<typeof fsp.stat>>;
  try {
    st = await fsp.stat(abs);
  } catch {
    throw new ModelFileError(`loadModel: ${abs} does not exist`);
  }
  if (st.isDirectory()) {
    const json = path.join(abs, MODEL_JSON);
    const realDir = await fsp.realpath(abs);
    let real: string;
    try {
      real = await fsp.realpath(json);
    } catch {
      throw new ModelFileError(`loadModel: ${abs} has no ${MODEL_JSON}`);
    }
    if (!inside(realDir, real)) {
      throw new ModelFileError(`loadModel: ${json} is a symlink that leads out of the model folder; refused`);
    }
    return { modelJsonPath: json, real, realDir };
  }
  if (!st.isFile()) throw new ModelFileError(`loadModel: ${abs} is not a regular file or folder`);
  return { modelJsonPath: abs, real: await fsp.realpath(abs), realDir: await fsp.realpath(path.dirname(abs)) };
}

/** JSON.parse whose error says where, never what (V8 quotes the text around the error). */
function parseJson(bytes: Uint8Array, shown: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    const at = /position (\d+)/.exec((e as Error).message);
    throw new ModelFileError(`${shown} is not valid JSON${at ? ` (at character ${at[1]})` : ''}`);
  }
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

const MAX_WEIGHT_NAME = 1024;

function checkWeightSpec(v: unknown, where: string): WeightSpecJson {
  const o = StrictObject.of(v, where);
  const name = o.string('name');
  // a layer name (at most 256 characters) and a tfjs suffix such as /kernel/m: messages quote it
  if (name.length === 0 || name.length > MAX_WEIGHT_NAME) {
    throw new ModelFileError(`${o.at('name')} must have 1 to ${MAX_WEIGHT_NAME} characters, got ${name.length}`);
  }
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
  shards: { file: OpenedFile; shown: string }[];
  bytes: number;
}

/** How many shard paths a manifest may name: the converter's 4 MiB shards of the 2 GiB cap are 512. */
export const MAX_SHARDS = 4096;

/** The groups of the manifest with their shards opened (each added to `opened`, which the caller
 *  closes). Counts are bounded before any file is looked at. */
async function checkManifest(v: unknown, realDir: string, where: string, opened: OpenedFile[]): Promise<Group[]> {
  if (!Array.isArray(v)) throw new ModelFileError(`${where} must be an array`);
  let pathCount = v.length;
  for (const g of v) pathCount += isPlainObject(g) && Array.isArray(g.paths) ? g.paths.length : 0;
  if (pathCount > MAX_SHARDS) {
    throw new ModelFileError(`${where} names ${pathCount} groups and weight files (at most ${MAX_SHARDS})`);
  }
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
    let found = 0;
    for (let i = 0; i < paths.length; i++) {
      const p = paths[i];
      if (typeof p !== 'string') throw new ModelFileError(`${o.at('paths')}[${i}] must be a string`);
      const at = `${o.at('paths')}[${i}]`;
      const real = await resolveShard(realDir, p, at);
      const file = await openRegularFile(real, `${at}: ${JSON.stringify(p)}`, MAX_WEIGHT_BYTES);
      opened.push(file);
      shards.push({ file, shown: p });
      found += file.size;
      if (found > bytes) break; // already too large: no need to open the rest
    }
    if (found !== bytes) {
      const listed = shards.slice(0, 5).map((f) => `${f.shown} (${f.file.size} bytes)`);
      if (paths.length > listed.length) listed.push(`${paths.length - listed.length} more`);
      const verdict = found < bytes ? 'truncated' : 'too large';
      throw new ModelFileError(
        `${gw}: weights are ${verdict}: the manifest's shapes need ${bytes} bytes, ${listed.join(' + ') || 'no files'} hold ${shards.length === paths.length ? found : `at least ${found}`}`,
      );
    }
    groups.push({ specs, shards, bytes });
  }
  return groups;
}

/** Reads and checks a model folder (or its model.json); throws ModelFileError naming the problem. */
export async function readModelFiles(arg: string): Promise<ModelFiles> {
  const { modelJsonPath, real, realDir } = await locateModelJson(arg);
  const rel = path.relative(process.cwd(), modelJsonPath);
  const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : modelJsonPath;
  const json = parseJson(await readSmallFile(real, shown, MAX_MODEL_JSON_BYTES), shown);
  const top = StrictObject.of(json, shown);
  if (top.has('format') && top.raw('format') !== FORMAT) {
    throw new ModelFileError(
      `${top.at('format')} must be "${FORMAT}" (a tfjs Layers model), got ${JSON.stringify(top.raw('format')).slice(0, 80)}`,
    );
  }
  top.ignore('format', 'generatedBy', 'convertedBy', 'userDefinedMetadata');
  for (const k of ['signature', 'modelInitializer', 'initializerSignature']) top.mustBeNull(k, `${k} (graph models)`);
  const topology = decodeTopology(top.required('modelTopology'), top.at('modelTopology'));
  const training =
    top.has('trainingConfig') && top.raw('trainingConfig') !== null
      ? decodeTrainingConfig(
          top.raw('trainingConfig'),
          top.at('trainingConfig'),
          topology.graph?.outputFileNames ?? null,
        )
      : null;
  top.ignore('trainingConfig');
  const opened: OpenedFile[] = [];
  try {
    const groups = await checkManifest(top.required('weightsManifest'), realDir, top.at('weightsManifest'), opened);
    top.done();
    const weights: NamedWeight[] = [];
    for (const g of groups) {
      const bytes = new Uint8Array(g.bytes);
      let offset = 0;
      for (const f of g.shards) {
        await readExactly(f.file, `loadModel: ${f.shown}`, bytes, offset);
        offset += f.file.size;
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
  } finally {
    await Promise.all(opened.map((f) => f.handle.close().catch(() => {})));
  }
}
