import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/core/rng.js';
import {
  REFERENCE_AUGMENT, augment, filter2d, gaussianKernel, motionKernel, shiftScaleRotateMatrix,
  transformKeypoints, warpAffine, type AugmentConfig,
} from '../../lib/coords/augment.js';
import type { Gray } from '../../lib/coords/image.js';
import { PYTHON, runPython } from './python.js';

const W = 96;
const H = 80;

/** A dark image with a bright 3×3 dot (peak at the centre) at each pixel position. */
function dots(points: Array<[number, number]>): Gray {
  const data = new Float32Array(W * H).fill(0.05);
  for (const [x, y] of points) {
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) data[(y + dy) * W + x + dx] = dx === 0 && dy === 0 ? 1 : 0.6;
  }
  return { data, height: H, width: W };
}

/** Intensity-weighted centre of the bright pixels within `r` of (x, y). */
function findDot(img: Gray, x: number, y: number, r = 4): [number, number] {
  let sx = 0, sy = 0, s = 0;
  for (let j = Math.max(0, Math.floor(y - r)); j <= Math.min(H - 1, Math.ceil(y + r)); j++) {
    for (let i = Math.max(0, Math.floor(x - r)); i <= Math.min(W - 1, Math.ceil(x + r)); i++) {
      const v = img.data[j * W + i] - 0.05;
      if (v > 0.1) { sx += v * i; sy += v * j; s += v; }
    }
  }
  return [sx / s, sy / s];
}

const ONLY_GEOMETRY: AugmentConfig = { ...REFERENCE_AUGMENT, pShiftScaleRotate: 1, pColor: 0, pBlur: 0 };

describe('keypoints follow the image', () => {
  it('a bright dot drawn at each keypoint is found where the augmented keypoint says', () => {
    const pts: Array<[number, number]> = [[30, 10], [40, 24], [45, 38], [50, 52], [58, 66]];
    const img = dots(pts);
    const kps = Float32Array.from(pts.flatMap(([x, y]) => [x / W, y / H]));
    const rng = new Rng(7);
    let checked = 0;
    for (let trial = 0; trial < 25; trial++) {
      const out = augment(img, kps, rng, ONLY_GEOMETRY);
      for (let p = 0; p < 5; p++) {
        const u = out.kps[2 * p], v = out.kps[2 * p + 1];
        if (Number.isNaN(u)) continue;
        const x = u * W, y = v * H;
        if (x < 2 || y < 2 || x > W - 3 || y > H - 3) continue; // dot cut by the border
        const [fx, fy] = findDot(out.img, x, y);
        expect(Math.hypot(fx - x, fy - y)).toBeLessThan(0.35);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(60);
  });

  it('a keypoint pushed out of the image becomes missing as a whole point', () => {
    // Shift right by 30 % of the width: x = 0.8 → 1.1 (gone), x = 0.5 → 0.8 (kept).
    const m = shiftScaleRotateMatrix(W, H, 0, 1, 0.3, 0);
    const out = transformKeypoints(Float32Array.from([0.8, 0.5, 0.5, 0.5, NaN, NaN, 0.1, 0.2, 0.2, 0.9]), m, W, H);
    expect(Array.from(out.slice(0, 2))).toEqual([NaN, NaN]);
    expect(out[2]).toBeCloseTo(0.8, 6);
    expect(out[3]).toBeCloseTo(0.5, 6);
    expect(Number.isNaN(out[4]) && Number.isNaN(out[5])).toBe(true);
  });

  it('rotation is counter-clockwise on screen for a positive angle (cv2.getRotationMatrix2D)', () => {
    // 90° about the centre (48, 40): a point right of the centre moves up (smaller y).
    const m = shiftScaleRotateMatrix(W, H, 90, 1, 0, 0);
    const out = transformKeypoints(Float32Array.from([58 / W, 40 / H, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), m, W, H);
    expect(out[0] * W).toBeCloseTo(48, 4);
    expect(out[1] * H).toBeCloseTo(30, 4);
  });

  it('photometric augmentations and blur never move keypoints; inputs are not modified', () => {
    const img = dots([[20, 20]]);
    const copy = Float32Array.from(img.data);
    const kps = Float32Array.from([0.3, 0.4, 0.5, 0.5, NaN, NaN, 0.6, 0.6, 0.7, 0.8]);
    const rng = new Rng(1);
    for (let i = 0; i < 10; i++) {
      const out = augment(img, kps, rng, { ...REFERENCE_AUGMENT, pShiftScaleRotate: 0, pColor: 1, pBlur: 1 });
      expect(Array.from(out.kps)).toEqual(Array.from(kps));
      for (const v of out.img.data) expect(v >= 0 && v <= 1.0001).toBe(true);
    }
    expect(Array.from(img.data)).toEqual(Array.from(copy));
  });
});

describe('pixel kernels', () => {
  it.skipIf(!PYTHON)('warpAffine equals torch grid_sample (bilinear, reflection = BORDER_REFLECT_101)', () => {
    const rng = new Rng(5);
    const img = { data: Float32Array.from({ length: W * H }, () => rng.random()), height: H, width: W };
    const m = shiftScaleRotateMatrix(W, H, 8, 0.85, 0.15, -0.1);
    const ours = warpAffine(img, m);
    // Independent path: invert m in numpy, map every output pixel centre, sample with torch.
    const ref = runPython(`
img = torch.from_numpy(np.load(D+'in0.npy'))[None, None].double()
m = np.load(D+'in1.npy').astype(np.float64).reshape(2, 3)
inv = np.linalg.inv(np.vstack([m, [0, 0, 1]]))[:2]
ys, xs = np.mgrid[0:${H}, 0:${W}].astype(np.float64)
sx = inv[0, 0] * xs + inv[0, 1] * ys + inv[0, 2]
sy = inv[1, 0] * xs + inv[1, 1] * ys + inv[1, 2]
grid = np.stack([2 * sx / (${W} - 1) - 1, 2 * sy / (${H} - 1) - 1], -1)[None]
out = torch.nn.functional.grid_sample(img, torch.from_numpy(grid), mode='bilinear', padding_mode='reflection', align_corners=True)
np.save(D+'out.npy', out[0, 0].numpy().astype(np.float32))`,
    [{ data: img.data, shape: [H, W] }, { data: Float64Array.from(m), shape: [6] }]);
    let maxErr = 0;
    for (let i = 0; i < ref.data.length; i++) maxErr = Math.max(maxErr, Math.abs(ours.data[i] - (ref.data[i] as number)));
    expect(maxErr).toBeLessThan(1e-5);
  });

  it('Gaussian kernels are OpenCV\'s fixed tables for k ≤ 7 and sum to 1', () => {
    const k3 = gaussianKernel(3);
    expect(Array.from(k3.slice(0, 3))).toEqual([0.0625, 0.125, 0.0625]); // 0.25·[0.25, 0.5, 0.25]
    for (const k of [3, 5, 7, 9]) expect(gaussianKernel(k).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    for (const angle of [0, 33, 90, 200]) expect(motionKernel(5, angle).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('filter2d with reflect-101 borders keeps a constant image constant and matches a hand sum', () => {
    const flat = { data: new Float32Array(20).fill(0.4), height: 4, width: 5 };
    for (const v of filter2d(flat, gaussianKernel(5), 5).data) expect(v).toBeCloseTo(0.4, 6);
    // 1-row image [1, 2, 3], kernel row [0.25, 0.5, 0.25] (3×3 kernel whose rows all reflect to row 0):
    // pixel 0 sees [2 (reflected), 1, 2] → 0.25·2 + 0.5·1 + 0.25·2 = 1.5.
    const out = filter2d({ data: Float32Array.from([1, 2, 3]), height: 1, width: 3 }, gaussianKernel(3), 3);
    expect(out.data[0]).toBeCloseTo(1.5, 6);
    expect(out.data[1]).toBeCloseTo(2, 6);
  });
});
