/**
 * Linear filters (cv2.sepFilter2D / cv2.filter2D: correlation, output the input's size) and their
 * kernels: OpenCV's Gaussian (getGaussianKernel, incl. its fixed small-kernel tables) and a
 * centred motion-blur line.
 */
import { borderTable, type Border } from './border.js';
import { checkImage, type Image } from './types.js';

/**
 * cv2.sepFilter2D: every channel with `kx` along x, then `ky` along y (odd lengths), each output
 * summed in double precision and rounded once. 3-tap kernels (the common case at model size) take
 * an unrolled path, 2–3× faster.
 */
export function separableFilter(img: Image, kx: Float32Array, ky: Float32Array, border: Border = 'reflect101'): Image {
  checkImage(img, 'separableFilter');
  if (kx.length % 2 !== 1 || ky.length % 2 !== 1) throw new RangeError(`separableFilter: kernel lengths must be odd, got ${kx.length} and ${ky.length}`);
  const { channels: C, height: H, width: W } = img;
  const out = new Float32Array(img.data.length);
  const tmp = new Float32Array(H * W);
  const nx = kx.length;
  const ny = ky.length;
  const rx = (nx - 1) / 2;
  const ry = (ny - 1) / 2;
  const xs = borderTable(W, rx, border);
  const ys = borderTable(H, ry, border);
  const from = new Int32Array(ny);
  const [a0, a1, a2] = kx;
  const [b0, b1, b2] = ky;
  for (let c = 0; c < C; c++) {
    const src = img.data.subarray(c * H * W, (c + 1) * H * W);
    // Rows. Columns [lo, hi) reach no border: direct reads there.
    const lo = Math.min(rx, W);
    const hi = Math.max(lo, W - rx);
    for (let y = 0; y < H; y++) {
      const row = y * W;
      for (let x = 0; x < W; x++) {
        if (x === lo) x = hi; // skip the interior
        if (x === W) break;
        let s = 0;
        for (let i = 0; i < nx; i++) s += kx[i] * src[row + xs[x + i]];
        tmp[row + x] = s;
      }
      if (nx === 3) {
        for (let p = row + lo, end = row + hi; p < end; p++) tmp[p] = a0 * src[p - 1] + a1 * src[p] + a2 * src[p + 1];
      } else {
        for (let p = row + lo, end = row + hi; p < end; p++) {
          let s = 0;
          for (let i = 0, at = p - rx; i < nx; i++) s += kx[i] * src[at + i];
          tmp[p] = s;
        }
      }
    }
    const dst = c * H * W;
    for (let y = 0; y < H; y++) {
      for (let i = 0; i < ny; i++) from[i] = ys[y + i] * W;
      const o = dst + y * W;
      if (ny === 3) {
        const f0 = from[0], f1 = from[1], f2 = from[2];
        for (let x = 0; x < W; x++) out[o + x] = b0 * tmp[f0 + x] + b1 * tmp[f1 + x] + b2 * tmp[f2 + x];
        continue;
      }
      for (let x = 0; x < W; x++) {
        let s = 0;
        for (let i = 0; i < ny; i++) s += ky[i] * tmp[from[i] + x];
        out[o + x] = s;
      }
    }
  }
  return { ...img, data: out };
}

/** cv2.filter2D with a square odd-sized kernel (ksize² values, row-major), every channel. */
export function filter2d(img: Image, kernel: Float32Array, border: Border = 'reflect101'): Image {
  checkImage(img, 'filter2d');
  const ksize = Math.round(Math.sqrt(kernel.length));
  if (ksize * ksize !== kernel.length || ksize % 2 !== 1) throw new RangeError(`filter2d: kernel of ${kernel.length} values is not odd × odd square`);
  const { channels: C, height: H, width: W } = img;
  const out = new Float32Array(img.data.length);
  const r = (ksize - 1) / 2;
  const xs = borderTable(W, r, border);
  const ys = borderTable(H, r, border);
  const taps: Array<{ dy: number; dx: number; w: number }> = [];
  for (let i = 0; i < kernel.length; i++) if (kernel[i] !== 0) taps.push({ dy: Math.floor(i / ksize), dx: i % ksize, w: kernel[i] });
  for (let c = 0; c < C; c++) {
    const src = img.data.subarray(c * H * W, (c + 1) * H * W);
    const dst = out.subarray(c * H * W, (c + 1) * H * W);
    for (const { dy, dx, w } of taps) {
      for (let y = 0; y < H; y++) {
        const from = ys[y + dy] * W;
        const o = y * W;
        for (let x = 0; x < W; x++) dst[o + x] += w * src[from + xs[x + dx]];
      }
    }
  }
  return { ...img, data: out };
}

/** OpenCV 4's fixed kernels for sigma ≤ 0 and ksize ≤ 9 (not the σ formula; the 7- and 9-tap ones are not even binomial). */
const SMALL_GAUSSIAN: Record<number, readonly number[]> = {
  1: [1],
  3: [0.25, 0.5, 0.25],
  5: [0.0625, 0.25, 0.375, 0.25, 0.0625],
  7: [0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125],
  9: [0.015625, 0.05078125, 0.1171875, 0.19921875, 0.234375, 0.19921875, 0.1171875, 0.05078125, 0.015625],
};

/**
 * cv2.getGaussianKernel(ksize, sigma): with sigma ≤ 0 and ksize ≤ 9 the fixed tables, otherwise
 * exp(−(i − r)²/(2σ²)) normalised, σ = 0.3·((ksize − 1)/2 − 1) + 0.8 when sigma ≤ 0.
 */
export function gaussianKernel1d(ksize: number, sigma = 0): Float32Array {
  if (!Number.isInteger(ksize) || ksize < 1 || ksize % 2 !== 1) throw new RangeError(`gaussianKernel1d: ksize must be odd and ≥ 1, got ${ksize}`);
  const table = sigma <= 0 ? SMALL_GAUSSIAN[ksize] : undefined;
  if (table) return Float32Array.from(table);
  const s = sigma > 0 ? sigma : 0.3 * ((ksize - 1) * 0.5 - 1) + 0.8;
  const r = (ksize - 1) / 2;
  const raw = Array.from({ length: ksize }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * s * s)));
  const sum = raw.reduce((a, b) => a + b, 0);
  return Float32Array.from(raw, (v) => v / sum);
}

/** The kernel size cv2.GaussianBlur picks for a float image when given ksize 0 and `sigma` (±4σ). */
export function gaussianKsize(sigma: number): number {
  return Math.round(sigma * 4 * 2 + 1) | 1;
}

/** Standard deviation (pixels) of a normalised 1-D kernel centred on its middle tap. */
export function kernelSigma(k: ArrayLike<number>): number {
  const r = (k.length - 1) / 2;
  let v = 0;
  for (let i = 0; i < k.length; i++) v += k[i] * (i - r) ** 2;
  return Math.sqrt(v);
}

/** cv2.GaussianBlur(img, (ksize, ksize), sigma), ksize 0 = from sigma; BORDER_REFLECT_101. */
export function gaussianBlur(img: Image, ksize: number, sigma = 0, border: Border = 'reflect101'): Image {
  const g = gaussianKernel1d(ksize > 0 ? ksize : gaussianKsize(sigma), sigma);
  return separableFilter(img, g, g, border);
}

/**
 * A normalised motion-blur kernel: the line segment from (−halfX, −halfY) to (halfX, halfY) pixels
 * about the centre, drawn along its dominant axis one pixel per column (or row) and shared linearly
 * between the two pixels across it; the end pixels get the fraction of them the segment covers.
 * (halfX, halfY) = (k/2, 0) is cv2.line over a k-pixel row, (k/2, ±k/2) its diagonals; fractional
 * half-lengths give the same blur for a resized image (see `motionBlur`). Centred, so it never
 * moves the image. Returns ksize² values, ksize = 2·ceil(max(|halfX|, |halfY|) − ½) + 1.
 */
export function motionKernel(halfX: number, halfY: number): Float32Array {
  const alongX = Math.abs(halfX) >= Math.abs(halfY);
  const a = Math.abs(alongX ? halfX : halfY);
  const slope = a > 0 ? (alongX ? halfY / halfX : halfX / halfY) : 0;
  const r = Math.max(0, Math.ceil(a - 0.5));
  const n = 2 * r + 1;
  const k = new Float32Array(n * n);
  let sum = 0;
  for (let j = -r; j <= r; j++) {
    const w = Math.min(1, Math.max(0, a + 0.5 - Math.abs(j)));
    if (w === 0) continue;
    const across = j * slope;
    const i0 = Math.floor(across);
    const f = across - i0;
    for (const [i, wi] of [[i0, w * (1 - f)], [i0 + 1, w * f]] as const) {
      if (wi === 0) continue;
      const [x, y] = alongX ? [j, i] : [i, j];
      k[(y + r) * n + x + r] += wi;
      sum += wi;
    }
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}
