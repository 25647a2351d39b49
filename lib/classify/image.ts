/**
 * Pixel kernels over planar float images (channels × height × width), the same operation applied to
 * every channel — i.e. to all 3·n slices of a sample with one set of parameters, as albumentations
 * does when it transforms the (H, W, 3·n) image of the reference at once.
 */

/** A planar float image: `data[c·H·W + y·W + x]`, values in [0, 1]. */
export interface Planar {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

/** A 2×3 affine matrix [a, b, c, d, e, f]: (x, y) → (a·x + b·y + c, d·x + e·y + f). */
export type Affine = [number, number, number, number, number, number];


export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (Math.abs(det) < 1e-12) throw new RangeError('invertAffine: singular matrix');
  const ia = e / det, ib = -b / det, id = -d / det, ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

/** OpenCV's BORDER_REFLECT_101 index (…, 2, 1 | 0, 1, 2, …, n−1 | n−2, …). */
export function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - j;
}

/**
 * A spatial warp from output pixel centres to input coordinates, composed of (in the reference's
 * order, applied to the image) shift-scale-rotate `ssr` (reflect-101 border), an elastic stage
 * (affine `elastic` then per-pixel displacement `disp`, constant-0 border), then the resize to the
 * output size. Each matrix maps INPUT → OUTPUT coordinates of its own stage, as cv2.warpAffine's M.
 */
export interface Warp {
  ssr?: Affine;
  elastic?: Affine;
  /** Displacement field at the input size: dx then dy planes, each height × width. */
  disp?: Float32Array;
}

/**
 * Resample `img` to outH × outW through `warp` with ONE bilinear interpolation.
 * Porting note: the reference interpolates once per albumentations step (SSR, elastic, resize);
 * composing the maps first avoids repeated blurring and is cheaper. The resize is OpenCV's
 * INTER_LINEAR mapping (half-pixel centres, no antialiasing).
 */
export function warpResize(img: Planar, outH: number, outW: number, warp: Warp = {}): Planar {
  const { channels: C, height: H, width: W } = img;
  const plane = H * W;
  const out = new Float32Array(C * outH * outW);
  const ssrInv = warp.ssr ? invertAffine(warp.ssr) : null;
  const elInv = warp.elastic ? invertAffine(warp.elastic) : null;
  const sx = W / outW;
  const sy = H / outH;
  const idx = new Int32Array(4);
  const wts = new Float32Array(4);
  const plain = !ssrInv && !elInv && !warp.disp; // a plain resize clamps at the border (cv2.resize)
  for (let v = 0; v < outH; v++) {
    for (let u = 0; u < outW; u++) {
      // Output pixel → position in the augmented native-size image.
      let x = (u + 0.5) * sx - 0.5;
      let y = (v + 0.5) * sy - 0.5;
      if (plain) {
        x = Math.min(Math.max(x, 0), W - 1);
        y = Math.min(Math.max(y, 0), H - 1);
      }
      if (warp.disp) {
        const xi = Math.min(W - 1, Math.max(0, Math.round(x)));
        const yi = Math.min(H - 1, Math.max(0, Math.round(y)));
        x += warp.disp[yi * W + xi];
        y += warp.disp[plane + yi * W + xi];
      }
      if (elInv) {
        const ex = elInv[0] * x + elInv[1] * y + elInv[2];
        const ey = elInv[3] * x + elInv[4] * y + elInv[5];
        x = ex;
        y = ey;
        // Constant-0 border of the elastic stage: out is already 0 there.
        if (x < -0.5 || y < -0.5 || x > W - 0.5 || y > H - 0.5) continue;
      }
      if (ssrInv) {
        const rx = ssrInv[0] * x + ssrInv[1] * y + ssrInv[2];
        const ry = ssrInv[3] * x + ssrInv[4] * y + ssrInv[5];
        x = rx;
        y = ry;
      }
      const o = v * outW + u;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      const xa = reflect101(x0, W), xb = reflect101(x0 + 1, W);
      const ya = reflect101(y0, H), yb = reflect101(y0 + 1, H);
      idx[0] = ya * W + xa; idx[1] = ya * W + xb; idx[2] = yb * W + xa; idx[3] = yb * W + xb;
      wts[0] = (1 - fx) * (1 - fy); wts[1] = fx * (1 - fy); wts[2] = (1 - fx) * fy; wts[3] = fx * fy;
      for (let c = 0; c < C; c++) {
        const base = c * plane;
        const d = img.data;
        out[c * outH * outW + o] = wts[0] * d[base + idx[0]] + wts[1] * d[base + idx[1]] + wts[2] * d[base + idx[2]] + wts[3] * d[base + idx[3]];
      }
    }
  }
  return { data: out, channels: C, height: outH, width: outW };
}

/**
 * ShiftScaleRotate's matrix (albumentations 1.3.1: cv2.getRotationMatrix2D about the pixel-centre
 * of the image (W/2 − 0.5, H/2 − 0.5), then a shift of dx·W, dy·H). `angleDeg` counter-clockwise
 * as in OpenCV, so 90° is np.rot90.
 */
export function shiftScaleRotateMatrix(height: number, width: number, angleDeg: number, scale: number, dx: number, dy: number): Affine {
  const cx = width / 2 - 0.5;
  const cy = height / 2 - 0.5;
  const a = (angleDeg * Math.PI) / 180;
  const al = scale * Math.cos(a);
  const be = scale * Math.sin(a);
  return [al, be, (1 - al) * cx - be * cy + dx * width, -be, al, be * cx + (1 - al) * cy + dy * height];
}

/** The affine transform taking three source points to three destination points (cv2.getAffineTransform). */
export function affineFromPoints(src: [number, number][], dst: [number, number][]): Affine {
  const [[x0, y0], [x1, y1], [x2, y2]] = src;
  const det = x0 * (y1 - y2) + x1 * (y2 - y0) + x2 * (y0 - y1);
  if (Math.abs(det) < 1e-12) throw new RangeError('affineFromPoints: collinear points');
  const solve = (t0: number, t1: number, t2: number): [number, number, number] => [
    (t0 * (y1 - y2) + t1 * (y2 - y0) + t2 * (y0 - y1)) / det,
    (t0 * (x2 - x1) + t1 * (x0 - x2) + t2 * (x1 - x0)) / det,
    (t0 * (x1 * y2 - x2 * y1) + t1 * (x2 * y0 - x0 * y2) + t2 * (x0 * y1 - x1 * y0)) / det,
  ];
  const [a, b, c] = solve(dst[0][0], dst[1][0], dst[2][0]);
  const [d, e, f] = solve(dst[0][1], dst[1][1], dst[2][1]);
  return [a, b, c, d, e, f];
}

/** OpenCV's sigma for a Gaussian kernel of size k when sigma ≤ 0 is given. */
export function opencvSigma(ksize: number): number {
  return 0.3 * ((ksize - 1) * 0.5 - 1) + 0.8;
}

export function gaussianKernel1d(ksize: number, sigma: number): Float32Array {
  const k = new Float32Array(ksize);
  const r = (ksize - 1) / 2;
  let s = 0;
  for (let i = 0; i < ksize; i++) s += k[i] = Math.exp(-((i - r) ** 2) / (2 * sigma * sigma));
  for (let i = 0; i < ksize; i++) k[i] /= s;
  return k;
}

/** Reflect-101 source index of each padded position −r … n−1+r (a lookup table for filters). */
function reflectTable(n: number, r: number): Int32Array {
  return Int32Array.from({ length: n + 2 * r }, (_, i) => reflect101(i - r, n));
}

/** Separable convolution of every channel with `kx` along x and `ky` along y (reflect-101 border). */
export function separableFilter(img: Planar, kx: Float32Array, ky: Float32Array): Planar {
  const { channels: C, height: H, width: W } = img;
  const out = new Float32Array(img.data.length);
  const tmp = new Float32Array(H * W);
  const rx = (kx.length - 1) / 2;
  const ry = (ky.length - 1) / 2;
  const xs = reflectTable(W, rx);
  const ys = reflectTable(H, ry);
  for (let c = 0; c < C; c++) {
    const src = img.data.subarray(c * H * W, (c + 1) * H * W);
    for (let y = 0; y < H; y++) {
      const row = y * W;
      for (let x = 0; x < W; x++) {
        let s = 0;
        for (let i = 0; i < kx.length; i++) s += kx[i] * src[row + xs[x + i]];
        tmp[row + x] = s;
      }
    }
    const dst = out.subarray(c * H * W, (c + 1) * H * W);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) dst[y * W + x] = 0;
      for (let i = 0; i < ky.length; i++) {
        const k = ky[i];
        const srcRow = ys[y + i] * W;
        for (let x = 0; x < W; x++) dst[y * W + x] += k * tmp[srcRow + x];
      }
    }
  }
  return { ...img, data: out };
}

/** 2-D convolution of every channel with a square kernel `k` (size K×K, reflect-101 border). */
export function filter2d(img: Planar, k: Float32Array, ksize: number): Planar {
  const { channels: C, height: H, width: W } = img;
  const out = new Float32Array(img.data.length);
  const r = (ksize - 1) / 2;
  const xs = reflectTable(W, r);
  const ys = reflectTable(H, r);
  const taps: Array<{ dy: number; dx: number; w: number }> = [];
  for (let i = 0; i < ksize * ksize; i++) if (k[i] !== 0) taps.push({ dy: Math.floor(i / ksize), dx: i % ksize, w: k[i] });
  for (let c = 0; c < C; c++) {
    const src = img.data.subarray(c * H * W, (c + 1) * H * W);
    const dst = out.subarray(c * H * W, (c + 1) * H * W);
    for (const { dy, dx, w } of taps) {
      for (let y = 0; y < H; y++) {
        const srcRow = ys[y + dy] * W;
        const o = y * W;
        for (let x = 0; x < W; x++) dst[o + x] += w * src[srcRow + xs[x + dx]];
      }
    }
  }
  return { ...img, data: out };
}

/**
 * A normalised motion-blur kernel: a line segment through the centre of a K×K kernel at `angle`
 * radians (albumentations draws a random line in the kernel; a centred line keeps the image in
 * place).
 */
export function motionKernel(ksize: number, angle: number): Float32Array {
  const k = new Float32Array(ksize * ksize);
  const r = (ksize - 1) / 2;
  const steps = 4 * ksize;
  for (let i = 0; i <= steps; i++) {
    const t = -r + (2 * r * i) / steps;
    const x = Math.round(r + t * Math.cos(angle));
    const y = Math.round(r + t * Math.sin(angle));
    k[y * ksize + x] = 1;
  }
  let s = 0;
  for (const v of k) s += v;
  for (let i = 0; i < k.length; i++) k[i] /= s;
  return k;
}

/**
 * x ← x^gamma (RandomGamma on a float image in [0, 1]), through a 4096-entry table with linear
 * interpolation (|error| < 4e-3 at the steepest point, x → 0 with gamma 0.5; Math.pow per pixel
 * cost more than the rest of the augmentation).
 */
export function applyGamma(img: Planar, gamma: number): void {
  const n = 4096;
  const lut = new Float32Array(n + 2);
  for (let i = 0; i <= n; i++) lut[i] = Math.pow(i / n, gamma);
  lut[n + 1] = 1;
  const d = img.data;
  for (let i = 0; i < d.length; i++) {
    const v = Math.min(Math.max(d[i], 0), 1) * n;
    const j = v | 0;
    d[i] = lut[j] + (v - j) * (lut[j + 1] - lut[j]);
  }
}

/** x ← clip(α·x + β, 0, 1) (RandomBrightnessContrast on a float image, brightness by max = 1). */
export function applyBrightnessContrast(img: Planar, alpha: number, beta: number): void {
  const d = img.data;
  for (let i = 0; i < d.length; i++) d[i] = Math.min(1, Math.max(0, alpha * d[i] + beta));
}
