/**
 * lib/image against OpenCV 4 (Debian python3-opencv) on the same float32 inputs. Each test states
 * its tolerance: float32 rounding (≈1e-5) where OpenCV computes in floats, and OpenCV's own
 * fixed-point coordinate grid for warpAffine (1/32 pixel, INTER_BITS = 5).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/core/rng.js';
import {
  affineFromPoints, applyBrightnessContrast, applyGamma, composeAffine, invertAffine, filter2d, flipVertical, gaussianBlur, gaussianKernel1d, motionKernel,
  resize, resizeMap, separableFilter, shiftScaleRotateMatrix, warpAffine, warpResize, type Image,
} from '../../lib/image/index.js';
import { CV2, CV2_SKIP_REASON, cv2Run, maxAbsDiff } from './opencv.js';

function randomImage(rng: Rng, height: number, width: number, channels = 1): Image {
  return { data: Float32Array.from({ length: channels * height * width }, () => rng.random()), channels, height, width };
}

/** A smooth image in [0, 1] (a few waves) and the largest change between neighbouring pixels. */
function smoothImage(height: number, width: number): { img: Image; maxStep: number } {
  const data = new Float32Array(height * width);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    data[y * width + x] = 0.5 + 0.25 * Math.sin(x / 4.1 + y / 7.3) + 0.2 * Math.cos(y / 3.7 - x / 9.1) + 0.004 * x;
  }
  let maxStep = 0;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    if (x + 1 < width) maxStep = Math.max(maxStep, Math.abs(data[y * width + x + 1] - data[y * width + x]));
    if (y + 1 < height) maxStep = Math.max(maxStep, Math.abs(data[(y + 1) * width + x] - data[y * width + x]));
  }
  return { img: { data, channels: 1, height, width }, maxStep };
}

const arr = (img: Image) => ({ data: img.data, shape: [img.height, img.width] });

describe.skipIf(!CV2)('geometry against OpenCV', () => {
  it('shiftScaleRotateMatrix is cv2.getRotationMatrix2D about (W/2 − 0.5, H/2 − 0.5) plus (dx·W, dy·H), as albumentations 1.3.1 (1e-9)', () => {
    const cases = [[80, 96, 8, 0.85, 0.15, -0.1], [37, 53, -33, 1.2, 0, 0.2], [64, 64, 90, 1, 0, 0]];
    const [ref] = cv2Run(`
out = []
for h, w, a, s, dx, dy in ${JSON.stringify(cases)}:
    m = cv2.getRotationMatrix2D((w / 2 - 0.5, h / 2 - 0.5), a, s)
    m[0, 2] += dx * w; m[1, 2] += dy * h
    out.append(m.ravel())
out = np.array(out)`);
    cases.forEach(([height, width, angle, scale, dx, dy], i) => {
      const m = shiftScaleRotateMatrix({ height, width }, { angle, scale, dx, dy });
      m.forEach((v, k) => expect(v).toBeCloseTo(ref.data[6 * i + k] as number, 9));
    });
  });

  it('affineFromPoints is cv2.getAffineTransform, invertAffine is cv2.invertAffineTransform (cv2 takes float32 points: 1e-4)', () => {
    const src: [number, number][] = [[40, 40], [10, 40], [10, 10]];
    const dst: [number, number][] = [[43.2, 37.5], [8.1, 44.9], [12.6, 3.3]];
    const m = affineFromPoints(src, dst);
    const [fit, inv] = cv2Run(`m = cv2.getAffineTransform(a0.astype(np.float32), a1.astype(np.float32))
out = [m.ravel(), cv2.invertAffineTransform(m).ravel()]`, [{ data: Float64Array.from(src.flat()), shape: [3, 2] }, { data: Float64Array.from(dst.flat()), shape: [3, 2] }]);
    m.forEach((v, k) => expect(v).toBeCloseTo(fit.data[k] as number, 4));
    invertAffine(m).forEach((v, k) => expect(v).toBeCloseTo(inv.data[k] as number, 4));
  });

  it('warpAffine is cv2.warpAffine (INTER_LINEAR, BORDER_REFLECT_101) within OpenCV\'s 1/32-pixel grid', () => {
    const { img, maxStep } = smoothImage(80, 96);
    for (const [angle, scale, dx, dy] of [[8, 0.85, 0.15, -0.1], [-10, 1.2, -0.2, 0.2], [45, 0.7, 0, 0]]) {
      const m = shiftScaleRotateMatrix(img, { angle, scale, dx, dy });
      const [ref] = cv2Run(`out = cv2.warpAffine(a0, a1.reshape(2, 3), (96, 80), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)`,
        [arr(img), { data: Float64Array.from(m), shape: [6] }]);
      // OpenCV rounds source coordinates to 1/32 px: |error| ≤ the steepest step × (1/32 along each axis).
      expect(maxAbsDiff(warpAffine(img, m).data, ref.data)).toBeLessThan((2 * maxStep) / 32 + 1e-5);
    }
  });

  it('warpResize (warp fused with the resize) is one cv2.warpAffine with the composed matrix, same grid tolerance', () => {
    const { img, maxStep } = smoothImage(90, 120);
    const m = shiftScaleRotateMatrix(img, { angle: 12, scale: 0.9, dx: 0.1, dy: -0.05 });
    const out = { height: 40, width: 56 };
    const [ref] = cv2Run(`out = cv2.warpAffine(a0, a1.reshape(2, 3), (56, 40), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)`,
      [arr(img), { data: Float64Array.from(composeAffine(resizeMap(img, out), m)), shape: [6] }]);
    expect(maxAbsDiff(warpResize(img, out, { ssr: m }).data, ref.data)).toBeLessThan((2 * maxStep * 3) / 32 + 1e-5);
  });

  it('resize is cv2.resize: INTER_LINEAR up, down and non-square, INTER_AREA shrinking by integer and fractional factors (1e-5)', () => {
    const rng = new Rng(11);
    const img = randomImage(rng, 37, 53);
    const cases: Array<[number, number, 'linear' | 'area']> = [[80, 61, 'linear'], [12, 40, 'linear'], [9, 7, 'linear'], [37, 26, 'linear'],
      [37, 53, 'linear'], [12, 18, 'area'], [17, 13, 'area'], [5, 50, 'area']];
    const refs = cv2Run(`out = [cv2.resize(a0, (w, h), interpolation=cv2.INTER_LINEAR if m == 'linear' else cv2.INTER_AREA) for h, w, m in ${JSON.stringify(cases)}]`, [arr(img)]);
    cases.forEach(([height, width, mode], i) => {
      expect(maxAbsDiff(resize(img, { height, width }, mode).data, refs[i].data), `${height}×${width} ${mode}`).toBeLessThan(1e-5);
    });
    // The same resize on every channel of a 3-channel image.
    const rgb = randomImage(rng, 20, 30, 3);
    const [ref] = cv2Run(`out = cv2.resize(a0.transpose(1, 2, 0), (13, 9), interpolation=cv2.INTER_LINEAR).transpose(2, 0, 1)`,
      [{ data: rgb.data, shape: [3, 20, 30] }]);
    expect(maxAbsDiff(resize(rgb, { height: 9, width: 13 }).data, ref.data)).toBeLessThan(1e-5);
  });

  it('flipVertical is cv2.flip(img, 0) exactly', () => {
    const img = randomImage(new Rng(2), 7, 5);
    const [ref] = cv2Run('out = cv2.flip(a0, 0)', [arr(img)]);
    expect(Array.from(flipVertical(img).data)).toEqual(Array.from(ref.data));
  });
});

describe.skipIf(!CV2)('filters against OpenCV', () => {
  it('gaussianKernel1d is cv2.getGaussianKernel: the fixed tables for sigma 0 and ksize ≤ 9, the formula above (1e-7)', () => {
    const cases = [[1, 0], [3, 0], [5, 0], [7, 0], [9, 0], [11, 0], [3, 0.6], [7, 1.5], [15, 2.5]];
    const refs = cv2Run(`out = [cv2.getGaussianKernel(k, s).ravel() for k, s in ${JSON.stringify(cases)}]`);
    cases.forEach(([k, s], i) => expect(maxAbsDiff(gaussianKernel1d(k, s), refs[i].data), `ksize ${k} sigma ${s}`).toBeLessThan(1e-7));
  });

  it('gaussianBlur is cv2.GaussianBlur (BORDER_REFLECT_101; ksize from sigma when 0), and BORDER_REPLICATE (1e-5)', () => {
    const img = randomImage(new Rng(5), 23, 31);
    const cases: Array<[number, number]> = [[3, 0], [5, 0], [7, 0], [9, 0], [0, 1.3], [0, 5], [5, 0.8]];
    const refs = cv2Run(`out = [cv2.GaussianBlur(a0, (k, k), s) for k, s in ${JSON.stringify(cases)}]
out.append(cv2.GaussianBlur(a0, (3, 3), 0, borderType=cv2.BORDER_REPLICATE))`, [arr(img)]);
    cases.forEach(([k, s], i) => expect(maxAbsDiff(gaussianBlur(img, k, s).data, refs[i].data), `ksize ${k} sigma ${s}`).toBeLessThan(1e-5));
    expect(maxAbsDiff(gaussianBlur(img, 3, 0, 'replicate').data, refs[cases.length].data)).toBeLessThan(1e-5);
  });

  it('separableFilter is cv2.sepFilter2D with different x and y kernels', () => {
    const img = randomImage(new Rng(6), 17, 12);
    const kx = Float32Array.from([0.1, 0.2, 0.4, 0.2, 0.1]);
    const ky = Float32Array.from([0.3, 0.5, 0.2]);
    const [ref] = cv2Run('out = cv2.sepFilter2D(a0, -1, a1, a2)', [arr(img), { data: kx, shape: [5] }, { data: ky, shape: [3] }]);
    expect(maxAbsDiff(separableFilter(img, kx, ky).data, ref.data)).toBeLessThan(1e-5);
  });

  it('filter2d with motion kernels is cv2.filter2D (BORDER_REFLECT_101, 1e-5)', () => {
    const img = randomImage(new Rng(7), 29, 26);
    const kernels = [motionKernel(3.5, 0), motionKernel(2.5, -2.5), motionKernel(1.1, 3.3), motionKernel(0.9, 0.4)];
    const refs = cv2Run(kernels.map((_, i) => `k${i} = a${i + 1}`).join('\n') + `\nout = [cv2.filter2D(a0, -1, k) for k in [${kernels.map((_, i) => `k${i}`).join(', ')}]]`,
      [arr(img), ...kernels.map((k) => ({ data: k, shape: [Math.sqrt(k.length), Math.sqrt(k.length)] }))]);
    kernels.forEach((k, i) => expect(maxAbsDiff(filter2d(img, k).data, refs[i].data)).toBeLessThan(1e-5));
  });

  it('a full-size motion kernel along a row, a column or a diagonal is cv2.line through the kernel, normalised (exact)', () => {
    const cases: Array<[number, number, number, [number, number, number, number]]> = [];
    for (const k of [3, 5, 7]) {
      const h = k / 2, e = k - 1;
      cases.push([k, h, 0, [0, e / 2, e, e / 2]], [k, 0, h, [e / 2, 0, e / 2, e]], [k, h, h, [0, 0, e, e]], [k, h, -h, [0, e, e, 0]], [k, -h, 0, [e, e / 2, 0, e / 2]]);
    }
    const refs = cv2Run(`out = []
for k, _, _, (x0, y0, x1, y1) in ${JSON.stringify(cases)}:
    m = np.zeros((k, k), np.float32)
    cv2.line(m, (int(x0), int(y0)), (int(x1), int(y1)), 1, thickness=1)
    out.append(m / m.sum())`);
    cases.forEach(([, hx, hy], i) => expect(Array.from(motionKernel(hx, hy))).toEqual(Array.from(refs[i].data)));
  });
});

describe.skipIf(!CV2)('intensity changes against numpy (albumentations on float32 images)', () => {
  it('gamma is np.power within the table\'s 4e-3; brightness/contrast is np.clip(α·x + β, 0, 1) within 1e-6', () => {
    const img = randomImage(new Rng(8), 16, 16);
    img.data[0] = 0; img.data[1] = 1; img.data[2] = 1e-4;
    const refs = cv2Run('out = [np.power(a0, 0.5), np.power(a0, 1.37), np.clip(a0 * 1.18 - 0.07, 0, 1), np.clip(a0 * 0.83 + 0.1, 0, 1)]', [arr(img)]);
    const run = (f: (x: Image) => void) => { const x = { ...img, data: img.data.slice() }; f(x); return x.data; };
    expect(maxAbsDiff(run((x) => applyGamma(x, 0.5)), refs[0].data)).toBeLessThan(4e-3);
    expect(maxAbsDiff(run((x) => applyGamma(x, 1.37)), refs[1].data)).toBeLessThan(4e-3);
    expect(maxAbsDiff(run((x) => applyBrightnessContrast(x, 1.18, -0.07)), refs[2].data)).toBeLessThan(1e-6);
    expect(maxAbsDiff(run((x) => applyBrightnessContrast(x, 0.83, 0.1)), refs[3].data)).toBeLessThan(1e-6);
  });
});

if (!CV2) it.skip(CV2_SKIP_REASON, () => {});
