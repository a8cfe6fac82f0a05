/**
 * The js-side tape validator: every buffer fits its arena, every call names a known kernel with
 * the right number of arguments, buffer ids in range, and results in range. The native glue
 * validates the same tape again, more strictly (the extent each kernel touches), before running it.
 */
import { describe } from '../backend/check';
import { KERNELS, TAPE_VERSION, type Tape, type TapeCall } from './tape';

const ROLES = ['x', 'y', 'activation', 'gradient', 'scratch', 'param', 'grad', 'slot', 'state'];
const BATCHED = new Set(['x', 'y', 'activation', 'gradient', 'scratch']);

export function checkTape(fn: string, tape: Tape): void {
  const bad = (what: string): never => {
    throw new RangeError(`${fn}: invalid tape: ${what}`);
  };
  if (typeof tape !== 'object' || tape === null)
    throw new TypeError(`${fn}: tape must be an object, got ${describe(tape)}`);
  if (tape.version !== TAPE_VERSION) bad(`version must be ${TAPE_VERSION}, got ${describe(tape.version)}`);
  const { params, slotCount, state } = tape.arena;
  const limit = { param: params, grad: params, slot: slotCount * params, state };
  tape.buffers.forEach((b, i) => {
    if (!ROLES.includes(b.role)) bad(`buffers[${i}].role ${describe(b.role)} is unknown`);
    if (!Number.isInteger(b.width) || b.width < 0) bad(`buffers[${i}].width must be a non-negative integer`);
    if (b.alias >= 0) {
      const a = tape.buffers[b.alias];
      if (b.alias >= i || !a || a.role !== b.role || a.width !== b.width)
        bad(`buffers[${i}].alias must name an earlier buffer of its role and width`);
    }
    if (!BATCHED.has(b.role)) {
      const end = limit[b.role as keyof typeof limit];
      if (!Number.isInteger(b.offset) || b.offset < 0 || b.offset + b.width > end)
        bad(`buffers[${i}] (${b.name}) lies outside its arena`);
    }
  });
  const id = (v: number, where: string) => {
    if (!Number.isInteger(v) || v >= tape.buffers.length || v < -1) bad(`${where} is not a buffer id`);
  };
  id(tape.x, 'x');
  id(tape.y, 'y');
  id(tape.output, 'output');
  const sections: [string, TapeCall[]][] = [
    ['forward', tape.forward],
    ['loss', tape.loss],
    ['metrics', tape.metrics],
    ['backward', tape.backward],
    ['update', tape.update],
  ];
  for (const [name, calls] of sections) {
    calls.forEach((c, i) => {
      const where = `${name}[${i}]`;
      const spec = KERNELS[c.kernel];
      if (!spec) bad(`${where}.kernel ${describe(c.kernel)} is unknown`);
      if (c.args.length !== spec.args.length) bad(`${where} (${c.kernel}) needs ${spec.args.length} args`);
      c.args.forEach((a, j) => {
        id(a, `${where}.args[${j}]`);
        if (a === -1 && !spec.args[j].endsWith('?')) bad(`${where}.args[${j}] (${spec.args[j]}) is required`);
      });
      for (const attr of spec.attrs) if (!(attr in c.attrs)) bad(`${where} (${c.kernel}) lacks attribute ${attr}`);
      if (
        c.result &&
        !(Number.isInteger(c.result.index) && c.result.index >= 0 && c.result.index < tape.results.length)
      )
        bad(`${where}.result.index is out of range`);
      if (c.result?.scale !== undefined && !Number.isFinite(c.result.scale))
        bad(`${where}.result.scale must be a finite number`);
    });
  }
}
