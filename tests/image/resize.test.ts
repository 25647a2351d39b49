import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/core/rng.js';
import { flipVertical, fromInterleaved, resize, toInterleaved, warpResize } from '../../lib/image/index.js';

describe('resize (hand-worked; OpenCV comparisons in opencv.test.ts)', () => {
  const rng = new Rng(11);
  const src = Float32Array.from({ length: 24 * 36 }, () => rng.random());
  const img = { data: src, channels: 1, height: 24, width: 36 };

  it('area: shrinking by a fractional factor integrates each footprint (3 → 2)', () => {
    // Output pixel 0 covers source [0, 1.5): (a + 0.5·b)/1.5; pixel 1 covers [1.5, 3): (0.5·b + c)/1.5.
    const out = resize({ data: Float32Array.from([3, 6, 9]), channels: 1, height: 1, width: 3 }, { height: 1, width: 2 }, 'area');
    expect(out.data[0]).toBeCloseTo((3 + 3) / 1.5, 5);
    expect(out.data[1]).toBeCloseTo((3 + 9) / 1.5, 5);
  });

  it('area preserves the mean when shrinking; both modes keep a constant image constant', () => {
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(resize(img, { height: 10, width: 14 }, 'area').data)).toBeCloseTo(mean(src), 2);
    const flat = { data: new Float32Array(24 * 36).fill(0.7), channels: 1, height: 24, width: 36 };
    for (const mode of ['linear', 'area'] as const) {
      for (const size of [{ height: 7, width: 9 }, { height: 50, width: 61 }]) for (const v of resize(flat, size, mode).data) expect(v).toBeCloseTo(0.7, 5);
    }
  });

  it('warpResize without a warp is the linear resize', () => {
    expect(warpResize(img, { height: 17, width: 50 }).data).toEqual(resize(img, { height: 17, width: 50 }, 'linear').data);
  });
});

describe('layout helpers', () => {
  it('flipVertical reverses the rows of every channel', () => {
    const img = { data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), channels: 2, height: 2, width: 2 };
    expect(Array.from(flipVertical(img).data)).toEqual([3, 4, 1, 2, 7, 8, 5, 6]);
  });

  it('fromInterleaved and toInterleaved are inverse; one frame of a multi-channel image lands at an offset', () => {
    const hwc = Float32Array.from({ length: 2 * 3 * 3 }, (_, i) => i);
    const planar = fromInterleaved(hwc, { height: 2, width: 3 }, 3);
    expect(Array.from(planar.data.subarray(0, 6))).toEqual([0, 3, 6, 9, 12, 15]);
    expect(Array.from(toInterleaved(planar, new Float32Array(18)))).toEqual(Array.from(hwc));
    const out = toInterleaved(planar, new Float32Array(8), 2, 1, 1);
    expect(Array.from(out)).toEqual([0, 0, 1, 4, 7, 10, 13, 16]);
  });
});
