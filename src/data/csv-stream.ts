/**
 * A CSV file as a stream of small tables, one per read chunk (1 MiB), parsed by readCsvTable's
 * own parser (csv-table.ts): what csvDataset's first pass and its epochs read. Each table comes
 * with the data-row number of its first row (0-based, header and blank lines not counted), so
 * that a row's hash split and messages do not depend on how the file was cut.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { deriveSeed } from '../model/options';
import { CsvError } from './csv';
import { feedSteps } from './csv-chunks';
import { type CsvTable, type TableOptions, TableParser } from './csv-table';

export interface TableChunk {
  table: CsvTable;
  /** Data-row number of table row 0. */
  first: number;
}

export async function checkFile(fn: string, path: string): Promise<number> {
  try {
    const st = await stat(path);
    if (st.isDirectory())
      throw new CsvError(`${fn}: ${path} is a directory, not a CSV file`, undefined, undefined, 'EISDIR');
    return st.size;
  } catch (e) {
    if (e instanceof CsvError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new CsvError(`${fn}: ${what}: ${path}`, undefined, undefined, code);
  }
}

/** The file's rows, a table per chunk read; `bytes` (if given) learns how far the reading got. */
export async function* tableChunks(
  path: string,
  o: Required<TableOptions>,
  bytes?: { read: number },
): AsyncGenerator<TableChunk, void, undefined> {
  const parser = new TableParser(path, o);
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let first = 0;
  try {
    for await (const _ of feedSteps(counted(stream as AsyncIterable<Buffer>, bytes), parser, o.maxRecordBytes)) {
      if (parser.rows === 0) continue;
      if (o.decimal === ',' && parser.delimiter === 44)
        throw new CsvError(
          `${path}: the delimiter is ',' so the decimal separator cannot be ','; give the delimiter (e.g. ';')`,
        );
      const table = parser.take();
      yield { table, first };
      first += table.rows;
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (e instanceof CsvError || code === undefined) throw e;
    throw new CsvError(`${path}: ${(e as Error).message}`, undefined, undefined, code);
  } finally {
    stream.destroy();
  }
  if (parser.names === null) parser.fail('the file is empty');
  if (first === 0) parser.fail('the file has a header but no data rows');
}

async function* counted(chunks: AsyncIterable<Buffer>, bytes?: { read: number }): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    if (bytes) bytes.read += chunk.length;
    yield chunk;
  }
}

export type Part = 'train' | 'validation' | 'test';
export interface SplitSpec {
  test: number;
  validation: number;
  seed: number;
}

/** Which part data row `row` falls in: a hash of (seed, row) as a fraction u in [0, 1): test when
 *  u < test, validation when u < test + validation, else train. Every pass over the file agrees
 *  without keeping a list of rows. */
export function partOf(row: number, s: SplitSpec): Part {
  const u = deriveSeed(s.seed, row) / 0x80000000;
  return u < s.test ? 'test' : u < s.test + s.validation ? 'validation' : 'train';
}
