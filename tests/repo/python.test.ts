import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/core/paths.js';
import { pythonReference, SYSTEM_PYTHON } from '../helpers/python.js';

/** The one way tests reach the Python references (tests/helpers/python.ts), and that it behaves. */
const TESTS = join(projectRoot(), 'tests');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : []));
}

describe('Python references', () => {
  it('are reached only through tests/helpers/python.ts', () => {
    const direct = files(TESTS)
      .filter((f) => !f.endsWith(join('helpers', 'python.ts')) && f !== __filename)
      .filter((f) => /\/usr\/bin\/python3|SYSTEM_PYTHON/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(TESTS, f));
    expect(direct).toEqual([]);
  });

  it('a module set that does not import is skipped with the one message', () => {
    const none = pythonReference(['spinelab_no_such_module']);
    expect(none.ok).toBe(false);
    expect(none.skipReason).toBe(`skipped: ${SYSTEM_PYTHON} with spinelab_no_such_module is not available`);
    expect(() => none.run(['-c', 'pass'])).toThrow(none.skipReason);
    expect(pythonReference(['spinelab_no_such_module'])).toBe(none); // probed once
  });

  const PY = pythonReference([]);
  it.skipIf(!PY.ok)('runs scripts, passes stdin and env, and reports a failing script with its stderr', () => {
    expect(PY.json(['-c', 'import json, os, sys; print(json.dumps([sys.stdin.read(), os.environ["SPINELAB_X"]]))'], { input: 'in', env: { SPINELAB_X: 'x' } }))
      .toEqual(['in', 'x']);
    expect(() => PY.run(['-c', 'import sys; sys.stderr.write("broken on purpose"); sys.exit(3)'])).toThrow(/exited with 3:\nbroken on purpose/);
  });

  const NUMPY = pythonReference(['numpy']);
  it.skipIf(!NUMPY.ok)('exchanges arrays as .npy', () => {
    const out = NUMPY.npy("np.save(D + 'out.npy', np.load(D + 'in0.npy') * 2 + np.load(D + 'in1.npy'))", [
      { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] },
      { data: new Float32Array([0.5, 0.5, 0.5, 0.5]), shape: [2, 2] },
    ]);
    expect(out.shape).toEqual([2, 2]);
    expect(Array.from(out.data)).toEqual([2.5, 4.5, 6.5, 8.5]);
  });
});
