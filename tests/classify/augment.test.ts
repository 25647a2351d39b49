import { describe, expect, it } from 'vitest';
import { AUG_STRENGTHS, augmentSample, flipChannels, flipTargets, mixupBatch } from '../../lib/classify/augment.js';
import { Rng } from '../../lib/core/rng.js';
import { reflect101, shiftScaleRotateMatrix, warpResize, type Image } from '../../lib/image/index.js';

function ramp(channels: number, h: number, w: number): Image {
  const data = new Float32Array(channels * h * w);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 37) % 101) / 100;
  return { data, channels, height: h, width: w };
}

describe('shift-scale-rotate on planar samples', () => {
  it('a 90° shift-scale-rotate is np.rot90 (counter-clockwise) exactly, on every channel', () => {
    const img = ramp(3, 6, 6);
    const out = warpResize(img, img, { ssr: shiftScaleRotateMatrix(img, { angle: 90, scale: 1, dx: 0, dy: 0 }) });
    // rot90(a)[i][j] = a[j][W−1−i]
    for (let c = 0; c < 3; c++) for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) {
      expect(out.data[c * 36 + i * 6 + j]).toBeCloseTo(img.data[c * 36 + j * 6 + (5 - i)], 6);
    }
  });

  it('a shift by whole pixels reflects (101) at the border', () => {
    const img = ramp(1, 4, 5);
    // dx = 0.2·W = 1 px right: out[y][x] = in[y][reflect101(x−1)].
    const out = warpResize(img, img, { ssr: shiftScaleRotateMatrix(img, { angle: 0, scale: 1, dx: 0.2, dy: 0 }) });
    for (let y = 0; y < 4; y++) for (let x = 0; x < 5; x++) expect(out.data[y * 5 + x]).toBeCloseTo(img.data[y * 5 + reflect101(x - 1, 5)], 6);
    expect([-2, -1, 0, 4, 5, 6].map((i) => reflect101(i, 5))).toEqual([2, 1, 0, 4, 3, 2]);
  });
});

describe('augmentSample', () => {
  it('applies one draw to every channel: identical channels stay identical', () => {
    const one = ramp(1, 20, 24);
    const img: Image = { data: new Float32Array(9 * 480), channels: 9, height: 20, width: 24 };
    for (let c = 0; c < 9; c++) img.data.set(one.data, c * 480);
    for (let seed = 0; seed < 20; seed++) {
      const out = augmentSample(img, 16, AUG_STRENGTHS[5], new Rng(seed));
      expect(out.channels).toBe(9);
      expect(out.height).toBe(16);
      for (let c = 1; c < 9; c++) expect(out.data.subarray(c * 256, (c + 1) * 256)).toEqual(out.data.subarray(0, 256));
      for (const v of out.data) expect(v >= -1e-6 && v <= 1 + 1e-6).toBe(true);
    }
  });

  it('is reproducible for a seed and varies across seeds', () => {
    const img = ramp(6, 20, 20);
    const a = augmentSample(img, 16, AUG_STRENGTHS[5], new Rng(3));
    const b = augmentSample(img, 16, AUG_STRENGTHS[5], new Rng(3));
    expect(a.data).toEqual(b.data);
    const distinct = new Set([0, 1, 2, 4, 5, 6].map((s) => augmentSample(img, 16, AUG_STRENGTHS[5], new Rng(s)).data.join(',')));
    expect(distinct.size).toBeGreaterThan(3);
  });
});

describe('flip', () => {
  it('reverses all 3·n channels: frame order AND the slices inside each frame', () => {
    // Channel k holds the value k (think: slice index of that channel), 3 frames.
    const img: Image = { data: Float32Array.from({ length: 9 * 4 }, (_, i) => Math.floor(i / 4)), channels: 9, height: 2, width: 2 };
    const f = flipChannels(img);
    const perChannel = Array.from({ length: 9 }, (_, k) => f.data[4 * k]);
    // Before: frames (0,1,2)(3,4,5)(6,7,8). After: (8,7,6)(5,4,3)(2,1,0) — the reference would give (6,7,8)(3,4,5)(0,1,2).
    expect(perChannel).toEqual([8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(flipChannels(f).data).toEqual(img.data);
  });

  it('swaps left and right NFN and SS targets, SCS unchanged (indices and one-hot rows)', () => {
    // [SCS, L-NFN, R-NFN, L-SS, R-SS]
    expect(Array.from(flipTargets(Int8Array.from([2, 1, 0, -1, 0])))).toEqual([2, 0, 1, 0, -1]);
    const oneHot = Float32Array.from([0, 0, 1, /* L-NFN severe */ 0, 0, 1, /* R-NFN normal */ 1, 0, 0, /* L-SS moderate */ 0, 1, 0, /* R-SS missing */ 0, 0, 0]);
    expect(Array.from(flipTargets(oneHot, 3))).toEqual([0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
  });
});

describe('mixup', () => {
  it('mixes images and targets with one λ per sample and keeps missing rows masked', () => {
    const B = 4, rows = 2;
    const x = Float32Array.from({ length: B * 3 }, (_, i) => Math.floor(i / 3)); // sample b = b everywhere
    // sample 1 row 1 missing, every other row present.
    const y = new Float32Array(B * rows * 3);
    for (let b = 0; b < B; b++) for (let r = 0; r < rows; r++) if (!(b === 1 && r === 1)) y[(b * rows + r) * 3 + ((b + r) % 3)] = 1;
    const y0 = y.slice();
    const lambdas = mixupBatch(x, y, B, rows, new Rng(11));
    for (let b = 0; b < B; b++) {
      const l = lambdas[b];
      expect(l).toBeGreaterThanOrEqual(0);
      expect(l).toBeLessThanOrEqual(1);
      // x_b = l·b + (1−l)·π(b)  ⇒  π(b) recovered from the first value.
      const partner = l < 0.999 ? Math.round((x[b * 3] - l * b) / (1 - l)) : b;
      for (let k = 0; k < 3; k++) expect(x[b * 3 + k]).toBeCloseTo(l * b + (1 - l) * partner, 5);
      for (let r = 0; r < rows; r++) {
        const row = Array.from(y.subarray((b * rows + r) * 3, (b * rows + r) * 3 + 3));
        const missing = (b === 1 && r === 1) || (partner === 1 && r === 1);
        if (missing) expect(row).toEqual([0, 0, 0]);
        else {
          row.forEach((v, k) => expect(v).toBeCloseTo(l * y0[(b * rows + r) * 3 + k] + (1 - l) * y0[(partner * rows + r) * 3 + k], 5));
          expect(row[0] + row[1] + row[2]).toBeCloseTo(1, 5);
        }
      }
    }
  });

  it('draws λ from Beta(0.4, 0.4): mean ½, mass near 0 and 1', () => {
    const rng = new Rng(5);
    const ls: number[] = [];
    for (let i = 0; i < 500; i++) ls.push(...mixupBatch(new Float32Array(8), new Float32Array(24), 8, 1, rng));
    const mean = ls.reduce((a, b) => a + b, 0) / ls.length;
    expect(mean).toBeGreaterThan(0.46);
    expect(mean).toBeLessThan(0.54);
    // Beta(0.4,0.4): P(λ < 0.1) ≈ 0.26 (U-shaped), vs 0.1 for a uniform.
    expect(ls.filter((l) => l < 0.1).length / ls.length).toBeGreaterThan(0.2);
  });
});
