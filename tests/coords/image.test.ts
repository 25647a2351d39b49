import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/core/rng.js';
import { flipVertical, middleSliceU8, percentile, resize, toUint8Clipped } from '../../lib/coords/image.js';
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

describe('resize', () => {
  const rng = new Rng(11);
  const src = Float32Array.from({ length: 24 * 36 }, () => rng.random());

  it.skipIf(!PYTHON)('enlarging equals torch bilinear (align_corners=False), i.e. OpenCV INTER_LINEAR', () => {
    const ours = resize({ data: src, height: 24, width: 36 }, 40, 50);
    const ref = runPython(`
x = torch.from_numpy(np.load(D+'in0.npy'))[None, None]
np.save(D+'out.npy', torch.nn.functional.interpolate(x, size=(40, 50), mode='bilinear', align_corners=False)[0, 0].numpy())`,
    [{ data: src, shape: [24, 36] }]);
    for (let i = 0; i < ref.data.length; i++) expect(ours.data[i]).toBeCloseTo(ref.data[i] as number, 5);
  });

  it.skipIf(!PYTHON)('shrinking by an integer factor equals torch avg_pool2d', () => {
    const ours = resize({ data: src, height: 24, width: 36 }, 8, 12);
    const ref = runPython(`
x = torch.from_numpy(np.load(D+'in0.npy'))[None, None]
np.save(D+'out.npy', torch.nn.functional.avg_pool2d(x, 3)[0, 0].numpy())`, [{ data: src, shape: [24, 36] }]);
    for (let i = 0; i < ref.data.length; i++) expect(ours.data[i]).toBeCloseTo(ref.data[i] as number, 5);
  });

  it('shrinking by a fractional factor integrates each footprint (hand-worked 3 → 2)', () => {
    // Output pixel 0 covers source [0, 1.5): (a + 0.5·b)/1.5; pixel 1 covers [1.5, 3): (0.5·b + c)/1.5.
    const out = resize({ data: Float32Array.from([3, 6, 9]), height: 1, width: 3 }, 1, 2);
    expect(out.data[0]).toBeCloseTo((3 + 3) / 1.5, 5);
    expect(out.data[1]).toBeCloseTo((3 + 9) / 1.5, 5);
  });

  it('preserves the mean when shrinking and a constant image both ways', () => {
    const img = { data: src, height: 24, width: 36 };
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(resize(img, 10, 14).data)).toBeCloseTo(mean(src), 2);
    const flat = { data: new Float32Array(24 * 36).fill(0.7), height: 24, width: 36 };
    for (const [h, w] of [[7, 9], [50, 61]]) for (const v of resize(flat, h, w).data) expect(v).toBeCloseTo(0.7, 5);
  });
});

describe('flipVertical', () => {
  it('reverses the rows only', () => {
    const img = { data: Uint8Array.from([1, 2, 3, 4, 5, 6]), height: 3, width: 2 };
    expect(Array.from(flipVertical(img).data)).toEqual([5, 6, 3, 4, 1, 2]);
  });
});
