/**
 * Debian's ONNX checker (python3-onnx, onnx 1.12) accepts every exported model at every opset from
 * 13 to 17: scripts/check-onnx.js over dist/ (built if stale). Skipped without python3-onnx.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/support';

const PYTHON = [process.env.PYTHON, 'python3', '/usr/bin/python3']
  .filter((p): p is string => Boolean(p))
  .find((p) => spawnSync(p, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0);

describe.skipIf(!PYTHON)('python3-onnx checker', () => {
  beforeAll(() => ensureBuilt());
  it('accepts the exported zoo at opsets 13 to 17', () => {
    const out = execFileSync(process.execPath, [path.join(__dirname, '../../scripts/check-onnx.js')], {
      encoding: 'utf8',
      env: { ...process.env, PYTHON },
    });
    const lines = out.trim().split('\n');
    const ok = lines.filter((l) => l.startsWith('ok '));
    for (let opset = 13; opset <= 17; opset++) {
      expect(ok.filter((l) => l.includes(`opset ${opset},`)).length).toBeGreaterThanOrEqual(12);
    }
    expect(lines.some((l) => l.startsWith('FAIL'))).toBe(false);
    expect(lines.at(-1)).toMatch(/files passed the checker/);
  });
});
