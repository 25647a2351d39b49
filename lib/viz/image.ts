import { PNG } from 'pngjs';
import { UsageError } from '../core/errors.js';
import { toUint8 } from './window.js';

export { percentileWindow, toUint8, windowBounds, type Window } from './window.js';

/** A 2-D greyscale or RGB image in row-major order (channels last). */
export interface Image2D {
  data: ArrayLike<number>;
  width: number;
  height: number;
  /** 1 = grey, 3 = RGB (e.g. three adjacent slices as channels). */
  channels: 1 | 3;
}

/**
 * Box-average downsampling by an integer factor (keeps thin structures visible, unlike striding).
 * Returns the image unchanged for factor 1. Edge blocks average the pixels they cover.
 */
export function downsample(img: Image2D, factor: number): Image2D {
  if (!Number.isInteger(factor) || factor < 1) throw new UsageError(`downsample factor must be a positive integer, got ${factor}`);
  if (factor === 1) return img;
  const { width, height, channels } = img;
  const w = Math.ceil(width / factor);
  const h = Math.ceil(height / factor);
  const out = new Float32Array(w * h * channels);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        let n = 0;
        for (let yy = y * factor; yy < Math.min(height, (y + 1) * factor); yy++) {
          for (let xx = x * factor; xx < Math.min(width, (x + 1) * factor); xx++) {
            sum += img.data[(yy * width + xx) * channels + c];
            n++;
          }
        }
        out[(y * w + x) * channels + c] = sum / n;
      }
    }
  }
  return { data: out, width: w, height: h, channels };
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

/** Window, downsample and encode one image into a PNG data URI. */
export function imageToDataUri(img: Image2D, window: { lo: number; hi: number }, factor = 1): string {
  const small = downsample(img, factor);
  return pngDataUri(encodePng(toUint8(small.data, window), small.width, small.height, small.channels));
}
