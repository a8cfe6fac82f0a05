/**
 * TensorFlow.js as the second party: IOHandlers that save a tfjs model to a folder the way
 * tfjs-node's file:// handler does (model.json + weights.bin, or the converter's
 * group1-shardKofN.bin shards) and load a folder into tf.loadLayersModel.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';

let ready: Promise<void> | null = null;
/** tfjs on its pure-JS cpu backend, with the Node banner silenced. */
export async function tfReady(): Promise<typeof tf> {
  ready ??= (async () => {
    const warn = console.warn;
    console.warn = () => {};
    try {
      await tf.setBackend('cpu');
      await tf.ready();
      tf.tensor([0]).dispose(); // the cpu backend's one-time "install tfjs-node" banner
    } finally {
      console.warn = warn;
    }
  })();
  await ready;
  return tf;
}

export async function tempDir(prefix = 'nativenn-io-'): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Saves `model` into `dir` like tfjs-node's file:// handler; shardBytes splits weights.bin into
 *  several files like the tfjs converter does (group1-shard1ofN.bin, ...). */
export async function tfjsSaveToDir(
  model: tf.LayersModel,
  dir: string,
  opts: { shardBytes?: number; includeOptimizer?: boolean } = {},
): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  await model.save(
    {
      save: async (artifacts) => {
        const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0));
        const bytes = new Uint8Array(weightData);
        const paths: string[] = [];
        if (opts.shardBytes) {
          const n = Math.max(1, Math.ceil(bytes.length / opts.shardBytes));
          for (let i = 0; i < n; i++) {
            const name = `group1-shard${i + 1}of${n}.bin`;
            await fsp.writeFile(path.join(dir, name), bytes.subarray(i * opts.shardBytes, (i + 1) * opts.shardBytes));
            paths.push(name);
          }
        } else {
          await fsp.writeFile(path.join(dir, 'weights.bin'), bytes);
          paths.push('weights.bin');
        }
        // The key order and set of tfjs-core's getModelJSONForModelArtifacts (used by tfjs-node).
        const json = {
          modelTopology: artifacts.modelTopology,
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          convertedBy: artifacts.convertedBy,
          weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
          ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        };
        await fsp.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      },
    },
    { includeOptimizer: opts.includeOptimizer ?? false },
  );
}

/** An IOHandler reading `dir` (model.json + its shards, concatenated in manifest order). */
export function tfjsDirHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8'));
      const weightSpecs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      for (const group of json.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const p of group.paths) buffers.push(await fsp.readFile(path.join(dir, p)));
      }
      const all = Buffer.concat(buffers);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
      return tf.io.getModelArtifactsForJSONSync(json, weightSpecs, weightData);
    },
  };
}

export async function tfjsLoadFromDir(dir: string): Promise<tf.LayersModel> {
  await tfReady();
  return tf.loadLayersModel(tfjsDirHandler(dir));
}

/** Deterministic pseudo-random values in [-1, 1) (mulberry32), for inputs and targets. */
export function seededValues(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
