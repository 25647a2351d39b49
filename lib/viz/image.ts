import { PNG } from 'pngjs';
import { UsageError } from '../core/errors.js';
import { downsample, toInterleaved, type Image } from '../image/index.js';
import { toUint8 } from './window.js';

export { percentileWindow, toUint8, windowBounds, type Window } from './window.js';

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
