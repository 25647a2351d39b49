import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, middleSlice, parseNpy, readNpy, writeNpy } from '../../lib/core/npy.js';
import { pythonReference } from '../helpers/python.js';
import { SHARED, SHARED_SKIP_REASON, sharedPath } from '../helpers/shared.js';

const NUMPY = pythonReference(['numpy']);

describe('npy', () => {
  it('round-trips every dtype and shape', () => {
    const cases = [
      { data: new Int16Array([-3, 0, 7, 32767, -32768, 5]), shape: [2, 3] },
      { data: new Uint16Array([0, 65535, 1, 2]), shape: [4] },
      { data: new Float32Array([0.5, -1.25, 3e8]), shape: [1, 3, 1] },
      { data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), shape: [2, 2, 2] },
      { data: new Float64Array([Math.PI]), shape: [1] },
    ];
    for (const c of cases) {
      const back = parseNpy(encodeNpy(c));
      expect(back.shape).toEqual(c.shape);
      expect(Array.from(back.data)).toEqual(Array.from(c.data));
      expect(back.data.constructor).toBe(c.data.constructor);
    }
  });

  it('rejects truncated files with the file name', () => {
    const bytes = encodeNpy({ data: new Float32Array(100), shape: [10, 10] });
    expect(() => parseNpy(bytes.subarray(0, bytes.length - 4), 'x.npy')).toThrow(/x\.npy.*truncated/);
  });

  it.skipIf(!NUMPY.ok)('writes files numpy reads back identically', () => {
    const dir = mkdtempSync(join(tmpdir(), 'npy-'));
    const file = join(dir, 'a.npy');
    writeNpy(file, { data: new Int16Array([1, -2, 3, -4, 5, -6]), shape: [3, 2] });
    const out = NUMPY.run(['-c', `import numpy as n; a=n.load('${file}'); print(a.dtype, a.shape, a.ravel().tolist())`]).trim();
    expect(out).toBe('int16 (3, 2) [1, -2, 3, -4, 5, -6]');
  });

  it.skipIf(!SHARED)(`reads the reference arrays of ../shared/data (${SHARED ? 'present' : SHARED_SKIP_REASON})`, () => {
    const dir = sharedPath('dicom-reference');
    const files = readdirSync(dir).filter((f) => f.endsWith('.npy'));
    expect(files.length).toBeGreaterThan(100);
    for (const f of files.slice(0, 20)) {
      const a = readNpy(join(dir, f));
      expect(a.data.length).toBe(a.shape.reduce((x, y) => x * y, 1));
    }
  });
});

describe('middleSlice', () => {
  it('is the floor(n/2) element along the first axis, as a view of the same memory', () => {
    const data = Int16Array.from({ length: 5 * 2 * 3 }, (_, i) => i);
    const mid = middleSlice({ data, shape: [5, 2, 3], dtype: 'int16' });
    expect(mid.shape).toEqual([2, 3]);
    expect(mid.dtype).toBe('int16');
    expect(Array.from(mid.data)).toEqual([12, 13, 14, 15, 16, 17]);
    data[12] = -1;
    expect(mid.data[0]).toBe(-1); // a view, not a copy
    // even length: index n/2 (the reference's centre slice 4·L // 8); 4-D frames keep their channels
    const frames = middleSlice({ data: new Float32Array(4 * 2 * 2 * 3).map((_, i) => i), shape: [4, 2, 2, 3], dtype: 'float32' });
    expect(frames.shape).toEqual([2, 2, 3]);
    expect(frames.data[0]).toBe(2 * 12);
  });
});
