import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/core/rng.js';
import { REFERENCE_AUGMENT, augment, transformKeypoints, type AugmentConfig } from '../../lib/coords/augment.js';
import { resize, shiftScaleRotateMatrix, warpAffine, type Image } from '../../lib/image/index.js';

const W = 96;
const H = 80;

/** A dark image with a bright 3×3 dot (peak at the centre) at each pixel position. */
function dots(points: Array<[number, number]>): Image {
  const data = new Float32Array(W * H).fill(0.05);
  for (const [x, y] of points) {
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) data[(y + dy) * W + x + dx] = dx === 0 && dy === 0 ? 1 : 0.6;
  }
  return { data, channels: 1, height: H, width: W };
}

/** Intensity-weighted centre of the bright pixels within `r` of (x, y). */
function findDot(img: Image, x: number, y: number, r = 4): [number, number] {
  let sx = 0, sy = 0, s = 0;
  for (let j = Math.max(0, Math.floor(y - r)); j <= Math.min(H - 1, Math.ceil(y + r)); j++) {
    for (let i = Math.max(0, Math.floor(x - r)); i <= Math.min(W - 1, Math.ceil(x + r)); i++) {
      const v = img.data[j * W + i] - 0.05;
      if (v > 0.1) { sx += v * i; sy += v * j; s += v; }
    }
  }
  return [sx / s, sy / s];
}

const ONLY_GEOMETRY: AugmentConfig = {
  ssr: { ...REFERENCE_AUGMENT.ssr, p: 1 }, colour: { ...REFERENCE_AUGMENT.colour, p: 0 }, blur: { ...REFERENCE_AUGMENT.blur, p: 0 },
};

describe('keypoints follow the image', () => {
  it('a bright dot drawn at each keypoint is found where the augmented keypoint says', () => {
    const pts: Array<[number, number]> = [[30, 10], [40, 24], [45, 38], [50, 52], [58, 66]];
    const img = dots(pts);
    const kps = Float32Array.from(pts.flatMap(([x, y]) => [x / W, y / H]));
    const rng = new Rng(7);
    let checked = 0;
    for (let trial = 0; trial < 25; trial++) {
      const out = augment(img, kps, img, rng, ONLY_GEOMETRY);
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
    const m = shiftScaleRotateMatrix({ height: H, width: W }, { angle: 0, scale: 1, dx: 0.3, dy: 0 });
    const out = transformKeypoints(Float32Array.from([0.8, 0.5, 0.5, 0.5, NaN, NaN, 0.1, 0.2, 0.2, 0.9]), m, { height: H, width: W });
    expect(Array.from(out.slice(0, 2))).toEqual([NaN, NaN]);
    expect(out[2]).toBeCloseTo(0.8, 6);
    expect(out[3]).toBeCloseTo(0.5, 6);
    expect(Number.isNaN(out[4]) && Number.isNaN(out[5])).toBe(true);
  });

  it('rotation is counter-clockwise on screen for a positive angle (cv2.getRotationMatrix2D)', () => {
    // 90° about the pixel-centre middle (47.5, 39.5): a point right of the centre moves up (smaller y).
    const m = shiftScaleRotateMatrix({ height: H, width: W }, { angle: 90, scale: 1, dx: 0, dy: 0 });
    const out = transformKeypoints(Float32Array.from([57.5 / W, 39.5 / H, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), m, { height: H, width: W });
    expect(out[0] * W).toBeCloseTo(47.5, 4);
    expect(out[1] * H).toBeCloseTo(29.5, 4);
  });

  it('photometric augmentations and blur never move keypoints; inputs are not modified', () => {
    const img = dots([[20, 20]]);
    const copy = Float32Array.from(img.data);
    const kps = Float32Array.from([0.3, 0.4, 0.5, 0.5, NaN, NaN, 0.6, 0.6, 0.7, 0.8]);
    const rng = new Rng(1);
    for (let i = 0; i < 10; i++) {
      const out = augment(img, kps, img, rng, { ssr: { ...REFERENCE_AUGMENT.ssr, p: 0 }, colour: { ...REFERENCE_AUGMENT.colour, p: 1 }, blur: { ...REFERENCE_AUGMENT.blur, p: 1 } });
      expect(Array.from(out.kps)).toEqual(Array.from(kps));
      for (const v of out.img.data) expect(v >= 0 && v <= 1.0001).toBe(true);
    }
    expect(Array.from(img.data)).toEqual(Array.from(copy));
  });
});

describe('augmenting the model-size input is augmenting the native image, then resizing (reference order)', () => {
  it('the shift-scale-rotate of a non-square native image is carried through the resize', () => {
    // A smooth non-square native image and the 64 × 64 model input made from it.
    const native: Image = { data: new Float32Array(90 * 150), channels: 1, height: 90, width: 150 };
    for (let y = 0; y < 90; y++) for (let x = 0; x < 150; x++) native.data[y * 150 + x] = 0.5 + 0.4 * Math.sin(x / 9) * Math.cos(y / 7);
    const model = { height: 64, width: 64 };
    const input = resize(native, model, 'linear');
    const cfg: AugmentConfig = { ssr: { p: 1, shift: 0.1, scale: 0.1, rotate: 10 }, colour: { ...REFERENCE_AUGMENT.colour, p: 0 }, blur: { ...REFERENCE_AUGMENT.blur, p: 0 } };
    const kps = Float32Array.from({ length: 10 }, (_, i) => 0.3 + 0.04 * i);
    for (let seed = 0; seed < 5; seed++) {
      const ours = augment(input, kps, native, new Rng(seed), cfg);
      // The same draw applied as the reference does: warp the native image, then resize.
      const draw = new Rng(seed);
      draw.random();
      const [angle, scale, dx, dy] = [draw.uniform(-10, 10), draw.uniform(0.9, 1.1), draw.uniform(-0.1, 0.1), draw.uniform(-0.1, 0.1)];
      const m = shiftScaleRotateMatrix(native, { angle, scale, dx, dy });
      const reference = resize(warpAffine(native, m), model, 'linear');
      const meanErr = (a: Float32Array) => a.reduce((s, v, i) => s + Math.abs(v - reference.data[i]), 0) / a.length;
      const err = meanErr(ours.img.data);
      expect(err, `seed ${seed}`).toBeLessThan(0.01); // two bilinear interpolations against one
      // The old way, the same matrix built at the model size, rotates the squashed image instead.
      const naive = warpAffine(input, shiftScaleRotateMatrix(model, { angle, scale, dx, dy }));
      const naiveErr = meanErr(naive.data);
      if (Math.abs(angle) > 1) expect(err).toBeLessThan(0.5 * naiveErr);
      // Keypoints move with the native matrix.
      expect(Array.from(ours.kps)).toEqual(Array.from(transformKeypoints(kps, m, native)));
    }
  });
});
