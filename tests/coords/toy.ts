import { Rng } from '../../lib/core/rng.js';
import type { CoordsSample } from '../../lib/coords/types.js';
import type { NdArray } from '../../lib/core/npy.js';

/**
 * A toy sagittal "spine": 6 bright vertebral bodies along a tilted line with dark discs between
 * them; the 5 disc centres are the targets. Position, spacing and tilt vary with the seed.
 */
export function toySpine(seed: number, width = 80, height = 96, slices = 5): { stack: NdArray; target: Float32Array } {
  const rng = new Rng(seed);
  const x0 = rng.uniform(0.35, 0.65) * width;
  const y0 = rng.uniform(0.12, 0.25) * height;
  const step = rng.uniform(0.11, 0.14) * height;
  const tilt = rng.uniform(-0.25, 0.25);
  const bodyW = 0.16 * width;
  const plane = new Uint16Array(width * height);
  for (let i = 0; i < plane.length; i++) plane[i] = 100 + rng.int(0, 60);
  const centres: Array<[number, number]> = [];
  for (let v = 0; v < 6; v++) {
    const cy = y0 + v * step;
    const cx = x0 + tilt * (cy - y0);
    for (let y = Math.floor(cy - 0.38 * step); y <= cy + 0.38 * step; y++) {
      for (let x = Math.floor(cx - bodyW / 2); x <= cx + bodyW / 2; x++) {
        if (x >= 0 && y >= 0 && x < width && y < height) plane[y * width + x] = 900 + rng.int(0, 80);
      }
    }
    centres.push([cx, cy]);
  }
  const target = new Float32Array(10);
  for (let l = 0; l < 5; l++) {
    target[2 * l] = (centres[l][0] + centres[l + 1][0]) / 2 / width;
    target[2 * l + 1] = (centres[l][1] + centres[l + 1][1]) / 2 / height;
  }
  const data = new Uint16Array(slices * width * height);
  for (let z = 0; z < slices; z++) data.set(plane, z * width * height);
  return { stack: { data, shape: [slices, height, width], dtype: 'uint16' }, target };
}

/** Toy samples as the coords stage builds them from series (8-bit middle slice + targets). */
export function toySamples(n: number, seed0: number, toU8: (s: NdArray) => CoordsSample['image']): CoordsSample[] {
  return Array.from({ length: n }, (_, i) => {
    const { stack, target } = toySpine(seed0 + i);
    return {
      source: 'competition' as const, studyId: 1000 + Math.floor(i / 2), seriesId: 5000 + i,
      description: i % 2 ? 'Sagittal T2/STIR' as const : 'Sagittal T1' as const, image: toU8(stack), target,
    };
  });
}
