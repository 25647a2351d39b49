/** Resizing (cv2.resize), display downsampling and flips. */
import { checkImage, type Image, type Size } from './types.js';

/**
 * - `linear`: cv2.INTER_LINEAR: bilinear with pixel centres aligned (source x = (x' + 0.5)·W/W' − 0.5),
 *   the edge pixel repeated beyond the border, no antialiasing.
 * - `area`: cv2.INTER_AREA when shrinking: each output pixel averages its exact footprint, fractional
 *   at both ends. An axis that grows falls back to `linear` (OpenCV's INTER_AREA enlargement is a
 *   nearest-like scheme nobody here wants).
 */
export type Interpolation = 'linear' | 'area';

/** Per output index along one axis: source indices and weights (at most `taps` each). */
interface AxisWeights {
  taps: number;
  idx: Int32Array;
  w: Float64Array;
}

function axisWeights(nIn: number, nOut: number, interpolation: Interpolation): AxisWeights {
  const scale = nIn / nOut;
  const area = interpolation === 'area' && scale > 1;
  const taps = area ? Math.ceil(scale) + 1 : 2;
  const idx = new Int32Array(nOut * taps);
  const w = new Float64Array(nOut * taps);
  for (let o = 0; o < nOut; o++) {
    const at = o * taps;
    if (area) {
      // The footprint [o·scale, (o+1)·scale) in source pixels.
      const a = o * scale;
      const b = (o + 1) * scale;
      let k = 0;
      for (let i = Math.floor(a); i < Math.ceil(b) && i < nIn; i++) {
        const overlap = Math.min(b, i + 1) - Math.max(a, i);
        if (overlap > 1e-12) { idx[at + k] = i; w[at + k] = overlap / scale; k++; }
      }
    } else {
      const s = (o + 0.5) * scale - 0.5;
      const i0 = Math.floor(s);
      const t = s - i0;
      idx[at] = Math.min(Math.max(i0, 0), nIn - 1);
      idx[at + 1] = Math.min(Math.max(i0 + 1, 0), nIn - 1);
      w[at] = 1 - t;
      w[at + 1] = t;
    }
  }
  return { taps, idx, w };
}

/**
 * Resize every channel to `size` (bilinear: four reads per output pixel; area: rows, then columns). Returns a float image; pass a
 * Float64Array as `out` where 32-bit integer input must keep its precision.
 */
export function resize<O extends Float32Array | Float64Array = Float32Array>(
  img: Image<ArrayLike<number>>, size: Size, interpolation: Interpolation = 'linear', out?: O,
): Image<O> {
  checkImage(img, 'resize');
  const { channels: C, height: H, width: W } = img;
  const { height: h, width: w } = size;
  if (!(h >= 1 && w >= 1)) throw new RangeError(`resize: bad output size ${h} × ${w}`);
  const dst = (out ?? new Float32Array(C * h * w)) as O;
  if (dst.length !== C * h * w) throw new RangeError(`resize: output holds ${dst.length} values, need ${C * h * w}`);
  const cols = axisWeights(W, w, interpolation);
  const rows = axisWeights(H, h, interpolation);
  const src = img.data;
  const { taps: tx, idx: ix, w: wx } = cols;
  const { taps: ty, idx: iy, w: wy } = rows;
  if (tx === 2 && ty === 2) {
    // Bilinear both ways: four reads per output pixel, no intermediate image.
    for (let c = 0; c < C; c++) {
      const base = c * H * W;
      const o = c * h * w;
      for (let y = 0; y < h; y++) {
        const a = base + iy[2 * y] * W, b = base + iy[2 * y + 1] * W, wa = wy[2 * y], wb = wy[2 * y + 1];
        const d = o + y * w;
        for (let x = 0, k = 0; x < w; x++, k += 2) {
          const x0 = ix[k], x1 = ix[k + 1], w0 = wx[k], w1 = wx[k + 1];
          dst[d + x] = wa * (w0 * src[a + x0] + w1 * src[a + x1]) + wb * (w0 * src[b + x0] + w1 * src[b + x1]);
        }
      }
    }
    return { data: dst, channels: C, height: h, width: w };
  }
  const tmp = new Float64Array(H * w);
  for (let c = 0; c < C; c++) {
    const base = c * H * W;
    for (let y = 0; y < H; y++) {
      const row = base + y * W;
      for (let x = 0; x < w; x++) {
        let acc = 0;
        for (let k = x * tx, end = k + tx; k < end; k++) acc += wx[k] * src[row + ix[k]];
        tmp[y * w + x] = acc;
      }
    }
    const o = c * h * w;
    for (let y = 0; y < h; y++) {
      const d = o + y * w;
      for (let x = 0; x < w; x++) {
        let acc = 0;
        for (let k = y * ty, end = k + ty; k < end; k++) acc += wy[k] * tmp[iy[k] * w + x];
        dst[d + x] = acc;
      }
    }
  }
  return { data: dst, channels: C, height: h, width: w };
}

/**
 * Box-average downsampling by an integer factor for display (thin structures stay visible, unlike
 * striding): output ceil(H/f) × ceil(W/f), edge blocks average the pixels they cover. Factor 1
 * returns the image itself.
 */
export function downsample<T extends ArrayLike<number>>(img: Image<T>, factor: number): Image<T> | Image {
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`downsample factor must be a positive integer, got ${factor}`);
  if (factor === 1) return img;
  const { width, height, channels } = img;
  const w = Math.ceil(width / factor);
  const h = Math.ceil(height / factor);
  const out = new Float32Array(w * h * channels);
  for (let c = 0; c < channels; c++) {
    const base = c * height * width;
    for (let y = 0; y < h; y++) {
      const y1 = Math.min(height, (y + 1) * factor);
      for (let x = 0; x < w; x++) {
        const x1 = Math.min(width, (x + 1) * factor);
        let sum = 0;
        for (let yy = y * factor; yy < y1; yy++) for (let xx = x * factor; xx < x1; xx++) sum += img.data[base + yy * width + xx];
        out[(c * h + y) * w + x] = sum / ((y1 - y * factor) * (x1 - x * factor));
      }
    }
  }
  return { data: out, width: w, height: h, channels };
}

/** Upside-down copy, every channel (row r → row H − 1 − r; cv2.flip(img, 0)). */
export function flipVertical<T extends Uint8Array | Float32Array>(img: Image<T>): Image<T> {
  const { channels, height, width } = img;
  const out = new (img.data.constructor as { new (n: number): T })(img.data.length);
  for (let c = 0; c < channels; c++) {
    const base = c * height * width;
    for (let y = 0; y < height; y++) {
      out.set(img.data.subarray(base + (height - 1 - y) * width, base + (height - y) * width), base + y * width);
    }
  }
  return { data: out, channels, height, width };
}
