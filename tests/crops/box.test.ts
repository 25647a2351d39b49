import { describe, expect, it } from 'vitest';
import { cropBox, cropStack, fixCoords } from '../../lib/crops/box.js';

describe('crop boxes', () => {
  it('is ±δ around the centre, clipped, scaled and truncated (hand-worked)', () => {
    // W = 640, H = 480, centre (0.5, 0.25), δ = 0.1: x ∈ [0.4, 0.6]·640 = [256, 384], y ∈ [0.15, 0.35]·480 = [72, 168]
    expect(cropBox(0.5, 0.25, 640, 480, 0.1)).toEqual({ x0: 256, y0: 72, x1: 384, y1: 168, fallback: false });
    // Near the corner: x ∈ [0, 0.15]·300 = [0, 45], y ∈ [0.873, 1]·301 = [262.773 → 262, 301]
    expect(cropBox(0.05, 0.973, 300, 301, 0.1)).toEqual({ x0: 0, y0: 262, x1: 45, y1: 301, fallback: false });
  });

  it('falls back to the whole slice for an out-of-image, degenerate or missing centre', () => {
    const whole = { x0: 0, y0: 0, x1: 200, y1: 100, fallback: true };
    expect(cropBox(1.2, 0.5, 200, 100, 0.1)).toEqual(whole); // box clipped to an empty strip at x = 1
    expect(cropBox(0.5, -0.3, 200, 100, 0.1)).toEqual(whole);
    expect(cropBox(NaN, 0.5, 200, 100, 0.1)).toEqual(whole);
    expect(cropBox(0.5, 0.5, 5, 5, 0.1)).toEqual({ x0: 0, y0: 0, x1: 5, y1: 5, fallback: true }); // 1-pixel box
  });
});

describe('fixed coords', () => {
  it('replaces only predictions more than 0.03 (L1) from a present ground truth', () => {
    const truth = [0.5, 0.5, 0.5, 0.5, NaN, NaN, -1, -1, 0.2, 0.2];
    const pred = [0.52, 0.505, 0.52, 0.52, 0.9, 0.9, 0.7, 0.7, 0.2, 0.2];
    const fixed = Array.from(fixCoords(pred, truth, 0.03));
    // L1/L2: |0.02| + |0.005| = 0.025 ≤ 0.03 → kept; L2/L3: 0.04 > 0.03 → truth; L3/L4, L4/L5: no truth → kept.
    expect(fixed[0]).toBeCloseTo(0.52, 6);
    expect(fixed[2]).toBeCloseTo(0.5, 6);
    expect(fixed[3]).toBeCloseTo(0.5, 6);
    expect(fixed[4]).toBeCloseTo(0.9, 6);
    expect(fixed[6]).toBeCloseTo(0.7, 6);
    expect(pred[2]).toBe(0.52); // input untouched
  });
});

describe('cropStack', () => {
  it('takes [:, y0:y1, x0:x1] of every slice and keeps the dtype', () => {
    // 2 slices of 3×4, value = 100·z + 10·row + col
    const data = new Int16Array(24).map((_, i) => 100 * Math.floor(i / 12) + 10 * Math.floor((i % 12) / 4) + (i % 4));
    const out = cropStack({ data, shape: [2, 3, 4], dtype: 'int16' }, { x0: 1, y0: 1, x1: 3, y1: 3, fallback: false });
    expect(out.shape).toEqual([2, 2, 2]);
    expect(out.data).toBeInstanceOf(Int16Array);
    expect(Array.from(out.data)).toEqual([11, 12, 21, 22, 111, 112, 121, 122]);
    expect(() => cropStack({ data, shape: [2, 3, 4], dtype: 'int16' }, { x0: 2, y0: 0, x1: 5, y1: 2, fallback: false })).toThrow(/does not fit/);
  });
});
