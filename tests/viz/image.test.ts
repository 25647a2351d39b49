import { describe, expect, it } from 'vitest';
import { encodePng, fitFactor, imageToDataUri, percentileWindow, toUint8, windowBounds } from '../../lib/viz/image.js';
import { downsample } from '../../lib/image/index.js';
import { Rng } from '../../lib/core/rng.js';
import { dataUriToPng, decodePngsWithPython, HAS_PYTHON } from './png-reference.js';

describe('windowing', () => {
  it('percentile window of 0..999 is the 0.5th and 99.5th values', () => {
    const xs = Float32Array.from({ length: 1000 }, (_, i) => 999 - i);
    const w = percentileWindow(xs);
    // index round(p/100 * 999): 5 and 994
    expect(w).toEqual({ lo: 5, hi: 994 });
  });

  it('ignores NaN and widens a constant image', () => {
    expect(percentileWindow([NaN, 3, 3, NaN])).toEqual({ lo: 3, hi: 4 });
  });

  it('centre/width and clamping map to 0..255', () => {
    const w = windowBounds({ center: 127.5, width: 255 });
    expect(w).toEqual({ lo: 0, hi: 255 });
    expect(Array.from(toUint8([-5, 0, 100.4, 100.6, 255, 1e6, NaN], w))).toEqual([0, 0, 100, 101, 255, 255, 0]);
    expect(Array.from(toUint8([10, 20, 30], { lo: 10, hi: 30 }))).toEqual([0, 128, 255]);
  });
});

describe('downsample', () => {
  it('box-averages blocks, including partial edge blocks', () => {
    // 3×3 image, factor 2 → 2×2: [mean(0,1,3,4), mean(2,5)], [mean(6,7), 8]
    const img = { data: [0, 1, 2, 3, 4, 5, 6, 7, 8], width: 3, height: 3, channels: 1 };
    const d = downsample(img, 2);
    expect([d.width, d.height]).toEqual([2, 2]);
    expect(Array.from(d.data)).toEqual([2, 3.5, 6.5, 8]);
  });

  it('keeps the channel planes apart', () => {
    const img = { data: [1, 3, 10, 30, 100, 300], width: 2, height: 1, channels: 3 };
    expect(Array.from(downsample(img, 2).data)).toEqual([2, 20, 200]);
  });

  it('fitFactor brings the longest side under the limit', () => {
    expect(fitFactor(512, 384, 256)).toBe(2);
    expect(fitFactor(513, 100, 256)).toBe(3);
    expect(fitFactor(100, 100, 256)).toBe(1);
  });
});

describe.skipIf(!HAS_PYTHON)('PNG encoding (decoded by an independent Python decoder)', () => {
  it('grey and RGB pixels survive exactly', () => {
    const rng = new Rng(3);
    const grey = Uint8Array.from({ length: 37 * 23 }, () => rng.int(0, 255));
    const rgb = Uint8Array.from({ length: 19 * 11 * 3 }, () => rng.int(0, 255));
    const [g, c] = decodePngsWithPython([encodePng(grey, 37, 23, 1), encodePng(rgb, 19, 11, 3)]);
    expect([g.width, g.height, g.channels]).toEqual([37, 23, 1]);
    expect(g.data).toEqual(Array.from(grey));
    expect([c.width, c.height, c.channels]).toEqual([19, 11, 3]);
    expect(c.data).toEqual(Array.from(rgb));
  });

  it('imageToDataUri windows then downsamples', () => {
    const data = Float32Array.from({ length: 16 }, (_, i) => i * 10); // 4×4, 0..150
    const uri = imageToDataUri({ data, width: 4, height: 4, channels: 1 }, { lo: 0, hi: 150 }, 2);
    const [d] = decodePngsWithPython([dataUriToPng(uri)]);
    // block means: (0+10+40+50)/4=25, 45, 105, 125 → ×255/150
    expect(d.data).toEqual([25, 45, 105, 125].map((v) => Math.round((v * 255) / 150)));
  });

  it('imageToDataUri interleaves a planar 3-channel image into RGB pixels', () => {
    // 1×2 pixels, planes R = [0, 10], G = [20, 30], B = [40, 50].
    const uri = imageToDataUri({ data: Float32Array.from([0, 10, 20, 30, 40, 50]), width: 2, height: 1, channels: 3 }, { lo: 0, hi: 255 });
    const [d] = decodePngsWithPython([dataUriToPng(uri)]);
    expect([d.width, d.height, d.channels]).toEqual([2, 1, 3]);
    expect(d.data).toEqual([0, 20, 40, 10, 30, 50]);
  });
});

it('encodePng rejects a size mismatch', () => {
  expect(() => encodePng(new Uint8Array(10), 4, 4)).toThrow(/10 values for 4×4×1/);
});
