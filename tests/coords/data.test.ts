import { describe, expect, it } from 'vitest';
import type { LabelPoint } from '../../lib/data/tables.js';
import { coordsSamples } from '../../lib/coords/data.js';
import { targetsFromLabels } from '../../lib/coords/targets.js';

const pt = (seriesId: number, condition: LabelPoint['condition'], level: LabelPoint['level'], x: number, y: number): LabelPoint =>
  ({ studyId: 7, seriesId, instanceNumber: 3, condition, level, x, y });

describe('coordinate targets', () => {
  it('average every condition of a level, relative to the slice size; missing levels are NaN', () => {
    // L1/L2: left NFN (100, 50) and right NFN (120, 70) → (110, 60) / (200, 100) = (0.55, 0.6)
    const t = targetsFromLabels([
      pt(1, 'Left Neural Foraminal Narrowing', 'L1/L2', 100, 50),
      pt(1, 'Right Neural Foraminal Narrowing', 'L1/L2', 120, 70),
      pt(1, 'Left Neural Foraminal Narrowing', 'L5/S1', 40, 90),
    ], 200, 100);
    expect(t[0]).toBeCloseTo(0.55, 6);
    expect(t[1]).toBeCloseTo(0.6, 6);
    expect(t[8]).toBeCloseTo(0.2, 6);
    expect(t[9]).toBeCloseTo(0.9, 6);
    expect([2, 3, 4, 5, 6, 7].every((i) => Number.isNaN(t[i]))).toBe(true);
  });

  it('one sample per sagittal series (labelled or not), the middle slice, its own labels only', () => {
    const stacks = new Map<number, Uint16Array>();
    const make = (id: number, slices: number) => {
      const a = new Uint16Array(slices * 4 * 5);
      for (let z = 0; z < slices; z++) a.fill(z * 10, z * 20, z * 20 + 19); // last pixel of each slice stays 0
      stacks.set(id, a);
    };
    make(1, 5); make(2, 4); make(3, 3);
    const samples = coordsSamples(
      [{ studyId: 7, seriesId: 1, description: 'Sagittal T2/STIR' }, { studyId: 7, seriesId: 2, description: 'Sagittal T1' },
        { studyId: 7, seriesId: 3, description: 'Axial T2' }],
      [pt(1, 'Spinal Canal Stenosis', 'L3/L4', 2, 1), pt(3, 'Left Subarticular Stenosis', 'L3/L4', 1, 1)],
      (_s, id) => ({ data: stacks.get(id)!, shape: [stacks.get(id)!.length / 20, 4, 5], dtype: 'uint16' }),
    );
    expect(samples.map((s) => s.seriesId)).toEqual([1, 2]);
    // Series 1: middle slice 2 = nineteen 20s and one 0 → 255 except the last pixel.
    expect(samples[0].image.data[0]).toBe(255);
    expect(samples[0].image.data[19]).toBe(0);
    expect(samples[0].target[4]).toBeCloseTo(2 / 5, 6);
    expect(samples[0].target[5]).toBeCloseTo(1 / 4, 6);
    expect(Array.from(samples[1].target).every(Number.isNaN)).toBe(true);
  });
});
