import { describe, expect, it } from 'vitest';
import { seriesPlane, seriesType, type SeriesTraits } from '../../lib/data/series-type.js';

const SAG: SeriesTraits['normal'] = [0.99, 0.1, 0.05];
const AX: SeriesTraits['normal'] = [0.02, -0.2, 0.98];

describe('series type from headers (the rule without the descriptions CSV)', () => {
  it('reads the plane from the slice normal, whatever its sign', () => {
    expect(seriesPlane([-0.97, 0.2, 0.1])).toBe('sagittal');
    expect(seriesPlane(AX)).toBe('axial');
    expect(seriesPlane([0.1, -0.9, 0.3])).toBe('coronal');
  });

  it.each([
    ['Sagittal T1', 'Sagittal T1'],
    ['Sagittal T2/STIR', 'Sagittal T2/STIR'],
    ['SAG T1 TSE', 'Sagittal T1'],
    ['t2_tse_sag_384', 'Sagittal T2/STIR'],
    ['SAG STIR', 'Sagittal T2/STIR'],
    ['t2_tirm_sag', 'Sagittal T2/STIR'],
  ])('description "%s" on a sagittal series is %s', (description, want) => {
    expect(seriesType({ normal: SAG, description }).description).toBe(want);
  });

  it('the geometry decides the plane even when the description names another', () => {
    const t = seriesType({ normal: AX, description: 'Sagittal T2/STIR' });
    expect(t.plane).toBe('axial');
    expect(t.description).toBe('Axial T2');
    expect(seriesType({ normal: AX, description: 'AX T1' }).description).toBeNull();
  });

  it('without a weighting in the description: inversion recovery is STIR, then echo and repetition times', () => {
    expect(seriesType({ normal: SAG, description: 'LSPINE SAG', scanningSequence: 'SE\\IR', inversionTime: 150, echoTime: 60, repetitionTime: 4000 }))
      .toMatchObject({ description: 'Sagittal T2/STIR', reason: 'inversion recovery, TI 150 ms' });
    expect(seriesType({ normal: SAG, echoTime: 10, repetitionTime: 550 }).description).toBe('Sagittal T1');
    expect(seriesType({ normal: SAG, echoTime: 100, repetitionTime: 3500 }).description).toBe('Sagittal T2/STIR');
    // FLAIR-like inversion times are not STIR; intermediate times are not guessed
    expect(seriesType({ normal: SAG, scanningSequence: 'IR', inversionTime: 2500, echoTime: 40, repetitionTime: 9000 }).description).toBeNull();
    const unknown = seriesType({ normal: SAG });
    expect(unknown.description).toBeNull();
    expect(unknown.reason).toMatch(/no weighting/);
  });
});
