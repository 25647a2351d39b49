import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/core/rng.js';
import { middleSliceU8, percentile, toUint8Clipped } from '../../lib/coords/image.js';
import { PYTHON, PYTHON_SKIP_REASON, runPython } from './python.js';

function randomImage(rng: Rng, n: number, lo: number, hi: number): Int16Array {
  return Int16Array.from({ length: n }, () => rng.int(lo, hi));
}

describe('middle-slice 8-bit image', () => {
  it('percentile interpolates linearly like numpy (hand-worked)', () => {
    // sorted [1, 2, 4, 8]: p=50 → pos 1.5 → 2 + 0.5·(4 − 2) = 3; p=98 → pos 2.94 → 4 + 0.94·4 = 7.76
    expect(percentile([8, 1, 4, 2], 50)).toBe(3);
    expect(percentile([8, 1, 4, 2], 98)).toBeCloseTo(7.76, 12);
    expect(percentile([5], 98)).toBe(5);
  });

  it('guards max = min: a constant slice becomes all zeros', () => {
    expect(Array.from(toUint8Clipped(new Int16Array(6).fill(700)))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('takes slice floor(n/2) of the stack', () => {
    const data = new Uint16Array(5 * 2 * 2);
    data.set([0, 10, 20, 1000], 2 * 4); // slice 2 of 5
    const img = middleSliceU8({ data, shape: [5, 2, 2], dtype: 'uint16' });
    // clip at p98 of [0, 10, 20, 1000] = 20 + 0.94·980 = 941.2 → 255·[0, 10, 20, 941.2]/941.2 truncated
    expect(Array.from(img.data)).toEqual([0, 2, 5, 255]);
  });

  it.skipIf(!PYTHON)('matches the reference numpy code byte for byte on random slices', () => {
    const rng = new Rng(3);
    for (const [lo, hi] of [[0, 4000], [-1024, 3000], [5, 9]]) {
      const img = randomImage(rng, 37 * 53, lo, hi);
      const ref = runPython(`
img = np.load(D+'in0.npy').astype(np.float64)
img = np.clip(img, np.percentile(img, 0), np.percentile(img, 98))
img = img - img.min()
if img.max() > 0: img = img / img.max()
np.save(D+'out.npy', (img * 255).astype(np.uint8))`, [{ data: img, shape: [37, 53] }]);
      expect(Array.from(toUint8Clipped(img))).toEqual(Array.from(ref.data));
    }
  });
  if (!PYTHON) it.skip(PYTHON_SKIP_REASON, () => {});
});
