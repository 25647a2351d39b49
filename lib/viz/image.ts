import { PNG } from 'pngjs';
import { UsageError } from '../core/errors.js';
import { downsample, toInterleaved, type Image } from '../image/index.js';

/** Intensity window: either bounds or the radiology centre/width form. */
export type Window = { lo: number; hi: number } | { center: number; width: number };

export function windowBounds(w: Window): { lo: number; hi: number } {
  return 'lo' in w ? { lo: w.lo, hi: w.hi } : { lo: w.center - w.width / 2, hi: w.center + w.width / 2 };
}

/**
 * Percentile window (default 0.5–99.5 %) over the values, ignoring non-finite ones. Large inputs
 * are subsampled (every k-th value), which moves a percentile by less than a grey level.
 */
export function percentileWindow(values: ArrayLike<number>, pLo = 0.5, pHi = 99.5): { lo: number; hi: number } {
  const step = Math.max(1, Math.floor(values.length / 200_000));
  const xs: number[] = [];
  for (let i = 0; i < values.length; i += step) if (Number.isFinite(values[i])) xs.push(values[i]);
  if (xs.length === 0) return { lo: 0, hi: 1 };
  xs.sort((a, b) => a - b);
  const at = (p: number) => xs[Math.min(xs.length - 1, Math.max(0, Math.round((p / 100) * (xs.length - 1))))];
  const lo = at(pLo);
  const hi = at(pHi);
  return hi > lo ? { lo, hi } : { lo, hi: lo + 1 };
}

/** Map values to 0..255 through the window (clamped); NaN becomes 0. */
export function toUint8(values: ArrayLike<number>, window: { lo: number; hi: number }): Uint8Array {
  const out = new Uint8Array(values.length);
  const scale = 255 / (window.hi - window.lo || 1);
  for (let i = 0; i < values.length; i++) {
    const v = (values[i] - window.lo) * scale;
    out[i] = v > 255 ? 255 : v > 0 ? Math.round(v) : 0;
  }
  return out;
}

/** Smallest integer factor bringing the longest side to at most `maxSize` pixels. */
export function fitFactor(width: number, height: number, maxSize: number): number {
  return Math.max(1, Math.ceil(Math.max(width, height) / maxSize));
}

/** Encode 8-bit grey or RGB pixels as a PNG (pngjs, pure JS). */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3 = 1): Buffer {
  if (pixels.length !== width * height * channels) {
    throw new UsageError(`encodePng: ${pixels.length} values for ${width}×${height}×${channels}`);
  }
  const colorType = channels === 1 ? 0 : 2;
  const png = new PNG({ width, height, colorType, inputColorType: colorType, bitDepth: 8, inputHasAlpha: false });
  png.data = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  return PNG.sync.write(png, { colorType, inputColorType: colorType, bitDepth: 8, inputHasAlpha: false });
}

export function pngDataUri(png: Buffer): string {
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** Window, downsample and encode one grey or RGB (3-channel) image into a PNG data URI. */
export function imageToDataUri(img: Image<ArrayLike<number>>, window: { lo: number; hi: number }, factor = 1): string {
  if (img.channels !== 1 && img.channels !== 3) throw new UsageError(`imageToDataUri: expected 1 or 3 channels, got ${img.channels}`);
  const small = downsample(img, factor);
  const pixels = toUint8(small.data, window);
  const png = small.channels === 1 ? pixels : toInterleaved({ ...small, data: pixels }, new Uint8Array(pixels.length));
  return pngDataUri(encodePng(png, small.width, small.height, small.channels as 1 | 3));
}
