/** Writing what `nativenn train` and `predict` produce: every file through a temporary sibling and
 *  a rename, so a failure never leaves a half-written file; everything is computed before the
 *  first write, so a failure while preparing leaves --out as it was. */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type * as nn from '../index';
import { MODEL_DIR, PREPROCESS_JSON } from '../pipeline';
import type { Preprocess } from '../pipeline-schema';
import { CliError } from './errors';
import { historySvg } from './svg';

/** Fails when `file` cannot be written: a folder, or in a folder that does not exist. Returns its folder. */
export async function checkOutFile(file: string, option = '--out'): Promise<string> {
  const st = await stat(file).catch(() => null);
  if (st?.isDirectory()) throw new CliError(`${option} ${file} is a folder; give a file name`);
  const dir = path.dirname(path.resolve(file));
  const dst = await stat(dir).catch(() => null);
  if (!dst) throw new CliError(`${option} ${file}: the folder ${dir} does not exist`);
  if (!dst.isDirectory()) throw new CliError(`${option} ${file}: ${dir} is not a folder`);
  return dir;
}

/** Writes `text` to `file` atomically (temporary sibling, fsync, rename); errors name `option`. */
export async function writeFileAtomic(file: string, text: string, option = '--out'): Promise<void> {
  const dir = await checkOutFile(file, option);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new CliError(`${option} ${file}: ${(e as Error).message}`);
  }
}

export async function writeRun(
  outDir: string,
  model: nn.Sequential,
  preprocess: Preprocess,
  history: nn.History,
  interrupted: boolean,
): Promise<string[]> {
  const historyJson = { epoch: history.epoch, history: history.history, params: history.params, interrupted };
  const texts: [string, string][] = [
    [PREPROCESS_JSON, `${JSON.stringify(preprocess, null, 1)}\n`],
    ['history.json', `${JSON.stringify(historyJson, null, 1)}\n`],
    ['loss.svg', historySvg(history.epoch, history.history)],
  ];
  await mkdir(outDir, { recursive: true });
  const saved = await model.save(path.join(outDir, MODEL_DIR));
  for (const [name, text] of texts) await writeFileAtomic(path.join(outDir, name), text);
  const rows: [string, string][] = [
    ...saved.files.map((f): [string, string] => [
      `${MODEL_DIR}/${f}`,
      'the model (TensorFlow.js Layers format; nn.loadModel)',
    ]),
    [
      PREPROCESS_JSON,
      'columns, fills, categories, scaler, classes, test rows: what predict applies (docs/preprocess.md)',
    ],
    ['history.json', 'loss and metrics per epoch'],
    ['loss.svg', `${preprocess.classes ? 'loss and accuracy curves' : 'loss curves'}; open it in a browser`],
  ];
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  return rows.map(([f, what]) => `${f.padEnd(width)}${what}`);
}
