import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/core/rng.js';
import {
  gaussianBlur, motionBlur, motionKernel, nativeGaussianBlur, randomBlur, resize, type Image,
} from '../../lib/image/index.js';

/** Smooth random texture in [0, 1]: uniform noise blurred with σ = 2 px. */
function texture(seed: number, height: number, width: number): Image {
  const rng = new Rng(seed);
  const noise: Image = { data: Float32Array.from({ length: height * width }, () => rng.random()), channels: 1, height, width };
  return gaussianBlur(noise, 0, 2);
}

function rms(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s / a.length);
}

describe('blur in native pixels on a resized image (the coords blur bug of issue 16)', () => {
  // The reference blurs the native image, then resizes; the stages resize, then blur with scaled kernels.
  const native = texture(1, 256, 320);
  const model = { height: 96, width: 96 };
  const small = resize(native, model, 'area');

  it('Gaussian: resize-then-scaled-blur ≈ blur-then-resize, far closer than the native-size kernel on the small image', () => {
    for (const k of [3, 5, 7]) {
      const reference = resize(gaussianBlur(native, k), model, 'area').data;
      const ours = nativeGaussianBlur(small, k, native).data;
      const unscaled = gaussianBlur(small, k).data;
      expect(rms(ours, reference), `ksize ${k}`).toBeLessThan(0.25 * rms(unscaled, reference));
      // …and the 7-pixel blur still does something: closer than no blur at all.
      if (k === 7) expect(rms(ours, reference)).toBeLessThan(0.5 * rms(small.data, reference));
    }
  });

  it('motion: the same, for lines at several angles', () => {
    for (const [k, angle] of [[7, 0], [7, 30], [5, 90], [7, 135], [5, 200]]) {
      const reference = resize(motionBlur(native, k, angle), model, 'area').data;
      const ours = motionBlur(small, k, angle, native).data;
      const unscaled = motionBlur(small, k, angle).data;
      expect(rms(ours, reference), `ksize ${k} angle ${angle}`).toBeLessThan(0.35 * rms(unscaled, reference));
      if (k === 7) expect(rms(ours, reference)).toBeLessThan(0.5 * rms(small.data, reference));
    }
  });

  it('at the native size the kernels are OpenCV\'s own (no scaling)', () => {
    expect(Array.from(nativeGaussianBlur(native, 5).data)).toEqual(Array.from(gaussianBlur(native, 5).data));
  });

  it('randomBlur keeps the image when it does not fire and never changes the mean much', () => {
    const rng = new Rng(3);
    expect(randomBlur(small, rng, { p: 0, maxKsize: 7 }, native)).toBe(small);
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    for (let i = 0; i < 10; i++) expect(Math.abs(mean(randomBlur(small, rng, { p: 1, maxKsize: 7 }, native).data) - mean(small.data))).toBeLessThan(2e-3);
  });
});

describe('motion kernel', () => {
  it('sums to 1, is point-symmetric (the image does not move) and points along its angle', () => {
    for (const angle of [0, 17, 45, 63, 90, 110, 160]) {
      const t = (angle * Math.PI) / 180;
      const m = Math.max(Math.abs(Math.cos(t)), Math.abs(Math.sin(t)));
      const hx = (5.5 * Math.cos(t)) / m, hy = (-5.5 * Math.sin(t)) / m; // an 11-pixel line, y down
      const k = motionKernel(hx, hy);
      const n = Math.sqrt(k.length);
      expect(n).toBe(11);
      expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      for (let i = 0; i < k.length; i++) expect(k[i]).toBeCloseTo(k[k.length - 1 - i], 6);
      // Principal axis of the second moments, counter-clockwise on screen.
      let sxx = 0, syy = 0, sxy = 0;
      for (let i = 0; i < k.length; i++) {
        const x = (i % n) - (n - 1) / 2, y = -(Math.floor(i / n) - (n - 1) / 2);
        sxx += k[i] * x * x; syy += k[i] * y * y; sxy += k[i] * x * y;
      }
      const axis = ((0.5 * Math.atan2(2 * sxy, sxx - syy) * 180) / Math.PI + 180) % 180;
      const diff = Math.abs(axis - (angle % 180));
      expect(Math.min(diff, 180 - diff), `angle ${angle}`).toBeLessThan(2);
    }
  });

  it('shrinks continuously to the identity', () => {
    expect(Array.from(motionKernel(0, 0))).toEqual([1]);
    expect(Array.from(motionKernel(0.4, 0.1))).toEqual([1]);
    // 1.3 px half-length: the centre pixel and 0.8 of each neighbour.
    const k = motionKernel(1.3, 0);
    expect(Array.from(k.slice(3, 6)).map((v) => +v.toFixed(6))).toEqual([0.8, 1, 0.8].map((v) => +(v / 2.6).toFixed(6)));
  });
});
