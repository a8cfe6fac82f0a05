/**
 * Feeds a CSV parser from a sequence of byte chunks (split anywhere, even inside a UTF-8 character
 * or a CRLF) in linear time: a record that does not end in the bytes held so far is parsed again
 * only once the bytes held have doubled, so a long record costs O(its length), not O(length²).
 * A record longer than `maxRecordBytes` is refused (a file that is no CSV, or /dev/zero).
 */

/** The default bound on one record (a header or a data row): 16 MiB holds 1M columns of 16 bytes. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

export interface ChunkParser {
  /** Parses every complete record in buf; returns how many bytes it used (the rest waits for more). */
  feed(buf: Buffer, final: boolean): number;
  /** Throws the parser's error for a record longer than the bound (it knows the line). */
  recordTooLong(bytes: number, limit: number): never;
}

const isBom = (b: Buffer) => b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;

export async function feedChunks(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  parser: ChunkParser,
  maxRecordBytes = MAX_RECORD_BYTES,
): Promise<void> {
  for await (const _ of feedSteps(chunks, parser, maxRecordBytes));
}

/** feedChunks one step at a time: yields after each parser.feed, so that a streaming reader can
 *  take the rows parsed so far (csvDataset) before more are read. */
export async function* feedSteps(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  parser: ChunkParser,
  maxRecordBytes = MAX_RECORD_BYTES,
): AsyncGenerator<void, void, undefined> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let retryAt = 0; // bytes to hold before parsing the incomplete record again
  let first = true; // a UTF-8 byte order mark may open the file
  for await (const chunk of chunks) {
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes < retryAt || (first && heldBytes < 3)) continue;
    let buf = held.length === 1 ? held[0] : Buffer.concat(held, heldBytes);
    if (first) {
      first = false;
      if (isBom(buf)) buf = buf.subarray(3);
    }
    const used = parser.feed(buf, false);
    const rest = buf.length - used;
    if (rest > maxRecordBytes) parser.recordTooLong(rest, maxRecordBytes);
    held = rest > 0 ? [buf.subarray(used)] : [];
    heldBytes = rest;
    retryAt = 2 * rest;
    yield;
  }
  let last = held.length === 1 ? held[0] : Buffer.concat(held, heldBytes);
  if (first && isBom(last)) last = last.subarray(3);
  if (last.length > maxRecordBytes) {
    // Only complete records may be longer in total than the bound; parse, then check what is left.
    const used = parser.feed(last, false);
    if (last.length - used > maxRecordBytes) parser.recordTooLong(last.length - used, maxRecordBytes);
    last = last.subarray(used);
  }
  parser.feed(last, true);
  yield;
}
