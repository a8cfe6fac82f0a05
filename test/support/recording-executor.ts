/** An executor that only records the calls a pass would make (kernel and buffer names), without
 *  computing anything: the shape a GPU executor takes, and a way to test what a tape asks for. */
import { checkTape } from '../../src/graph/check-tape';
import type { Pass, Tape, TapeCall } from '../../src/graph/tape';

export interface RecordedCall {
  kernel: string;
  args: string[];
}

export function recordPass(tape: Tape, pass: Pass | 'gradients'): RecordedCall[] {
  checkTape('recordPass', tape);
  const sections: TapeCall[][] =
    pass === 'predict'
      ? [tape.forward]
      : pass === 'eval'
        ? [tape.forward, tape.loss, tape.metrics]
        : pass === 'gradients'
          ? [tape.forward, tape.loss, tape.backward]
          : [tape.forward, tape.loss, tape.metrics, tape.backward, tape.update];
  const mode: Pass = pass === 'gradients' ? 'train' : pass;
  const out: RecordedCall[] = [];
  for (const calls of sections)
    for (const c of calls) {
      if (c.when && !c.when.includes(mode)) continue;
      out.push({ kernel: c.kernel, args: c.args.map((id) => (id < 0 ? '-' : tape.buffers[id].name)) });
    }
  return out;
}
