import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { classesRunAlongSpine, loadSpider, readSpiderCentroids, spiderLandmarks, type SpiderImage } from '../../lib/coords/spider.js';
import { countPoints } from '../../lib/coords/types.js';
import { SHARED, SHARED_SKIP_REASON, sharedPath } from '../helpers/shared.js';

const DIR = SHARED ? sharedPath('spider-lumbar') : '';
const HAVE = Boolean(SHARED) && existsSync(DIR);

describe('SPIDER landmarks (hand-made image)', () => {
  // Stored upside down: class 1 (L5) at the top. H = 101 → head-up y = 100 − y.
  const img: SpiderImage = {
    file: '1_0.png', caseId: 1, slice: 0, width: 100, height: 101,
    centroids: [
      { classIndex: 1, pixelCount: 500, x: 40, y: 20 }, // L5 → head-up y 80
      { classIndex: 2, pixelCount: 500, x: 44, y: 36 }, // L4 → 64
      { classIndex: 3, pixelCount: 500, x: 46, y: 52 }, // L3 → 48
      { classIndex: 4, pixelCount: 500, x: 48, y: 68 }, // L2 → 32
      { classIndex: 5, pixelCount: 10, x: 50, y: 84 }, //  L1, too small (< 0.2 % of 10100 px = 20.2)
      { classIndex: 6, pixelCount: 500, x: 52, y: 95 }, // T12
    ],
  };

  it('puts discs between consecutive vertebrae, extrapolates L5/S1, and drops scraps', () => {
    const t = spiderLandmarks(img);
    // L1/L2 needs L1, which is too small → missing.
    expect(Number.isNaN(t[0]) && Number.isNaN(t[1])).toBe(true);
    // L2/L3 = mid(L2 (48, 32), L3 (46, 48)) = (47, 40)
    expect(t[2] * 100).toBeCloseTo(47, 4);
    expect(t[3] * 101).toBeCloseTo(40, 4);
    // L4/L5 = mid((44, 64), (40, 80)) = (42, 72)
    expect(t[6] * 100).toBeCloseTo(42, 4);
    expect(t[7] * 101).toBeCloseTo(72, 4);
    // L5/S1 = L5 + (L5 − L4)/2 = (40 − 2, 80 + 8) = (38, 88)
    expect(t[8] * 100).toBeCloseTo(38, 4);
    expect(t[9] * 101).toBeCloseTo(88, 4);
    expect(classesRunAlongSpine(img)).toBe(true);
  });

  it('rejects an image whose classes are out of order along the spine', () => {
    const swapped = { ...img, centroids: img.centroids.map((c) => (c.classIndex === 2 ? { ...c, y: 10 } : c)) };
    expect(classesRunAlongSpine(swapped)).toBe(false);
  });
});

describe.skipIf(!HAVE)('SPIDER landmarks on the real slices', () => {
  it('every image has its mask classes in order along the spine (the mapping holds)', () => {
    const images = readSpiderCentroids(DIR);
    // 36 PNGs; 10025_0.png has an empty mask and hence no centroid rows.
    expect(images.length).toBe(35);
    for (const img of images) expect(classesRunAlongSpine(img), img.file).toBe(true);
  });

  it('derives head-up landmarks ordered top to bottom, held-out cases apart from training ones', () => {
    const split = loadSpider(DIR, 3, 42);
    expect(split.train.length + split.heldOut.length).toBeGreaterThan(15);
    const trainCases = new Set(split.train.map((s) => s.studyId));
    for (const s of split.heldOut) expect(trainCases.has(s.studyId)).toBe(false);
    for (const s of [...split.train, ...split.heldOut]) {
      expect(countPoints(s.target)).toBeGreaterThan(0);
      const ys = [0, 1, 2, 3, 4].map((l) => s.target[2 * l + 1]).filter(Number.isFinite);
      for (let i = 1; i < ys.length; i++) expect(ys[i]).toBeGreaterThan(ys[i - 1]); // L1/L2 on top after the flip
      for (const v of s.target) if (Number.isFinite(v)) expect(v > 0 && v < 1).toBe(true);
    }
    // Lateral slices with scraps of masks are reported, not silently used.
    expect(split.skipped.length).toBeGreaterThan(0);
    for (const s of split.skipped) expect(s.reason).toMatch(/lateral|order/);
  });

  it('the flipped image is darker at the landmark rows than the vertebra centroids (discs are dark on T2)', () => {
    // A disc lies between vertebral bodies; on these T2 slices it is darker than the body centre.
    const split = loadSpider(DIR, 0, 42);
    let darker = 0, total = 0;
    for (const s of split.train) {
      const { data, width, height } = s.image;
      const mean = (u: number, v: number) => {
        let sum = 0, n = 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
          const x = Math.round(u * width) + dx, y = Math.round(v * height) + dy;
          if (x >= 0 && y >= 0 && x < width && y < height) { sum += data[y * width + x]; n++; }
        }
        return sum / n;
      };
      // Compare the L3/L4 disc with the midpoint of the L2/L3 → L3/L4 segment (inside L3).
      const [u2, v2, u3, v3] = [s.target[2], s.target[3], s.target[4], s.target[5]];
      if (![u2, v2, u3, v3].every(Number.isFinite)) continue;
      total++;
      if (mean(u3 - 0.02, v3) < mean((u2 + u3) / 2 - 0.02, (v2 + v3) / 2)) darker++;
    }
    expect(total).toBeGreaterThan(5);
    expect(darker / total).toBeGreaterThan(0.6);
  });
});
if (!HAVE) describe.skip(`SPIDER real slices: ${SHARED_SKIP_REASON}`, () => {});
