/**
 * Severity shows where radiologists look, graded: with one anatomy and the severity σ of L4/L5
 * stepped from normal to severe, measure the open structure on the slice a radiologist reads.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/core/rng.js';
import { discOfLevel, lutIndex, sampleAnatomy, toPatient, type Anatomy, type LevelSeverity } from '../../lib/synth/anatomy.js';
import type { ImagePlane } from '../../lib/dicom/header.js';
import { tissueSlice } from '../../lib/synth/render.js';
import { TISSUE, tissueAt } from '../../lib/synth/tissue.js';

const LEVEL = 3; // L4/L5
const N = 128;
const PX = 0.5; // mm: a 64 mm window at fine resolution

function anatomyWith(which: 'scs' | 'nfn' | 'ss', sigma: number, seed: number): Anatomy {
  const base = () => [0.1, 0.1, 0.1, 0.1, 0.1];
  const sev: LevelSeverity = { scs: base(), nfn: [base(), base()], ss: [base(), base()] };
  if (which === 'scs') sev.scs[LEVEL] = sigma;
  else sev[which][0][LEVEL] = sigma; // left side
  // The same seed gives the same anatomy: only the severity differs (disc degeneration follows it).
  return sampleAnatomy(new Rng(seed), sev, { x: 0, y: 0, z: 0 }, 0);
}

function sagittal(a: Anatomy, x: number, s: number, d: number): ImagePlane {
  const c = toPatient(a, s, d, 0);
  return { rows: N, cols: N, position: [x, c[1] - ((N - 1) / 2) * PX, c[2] + ((N - 1) / 2) * PX], orientation: [0, 1, 0, 0, 0, -1], pixelSpacing: [PX, PX] };
}

function axial(a: Anatomy, s: number): ImagePlane {
  const th = a.lut.theta[lutIndex(a.lut, s)];
  const c = toPatient(a, s, 5, 0);
  const col: [number, number, number] = [0, Math.cos(th), Math.sin(th)];
  return {
    rows: N, cols: N, orientation: [1, 0, 0, ...col], pixelSpacing: [PX, PX],
    position: [c[0] - ((N - 1) / 2) * PX, c[1] - ((N - 1) / 2) * PX * col[1], c[2] - ((N - 1) / 2) * PX * col[2]],
  };
}

const count = (t: Uint8Array, ids: readonly number[], keep: (r: number, c: number) => boolean = () => true) => {
  let n = 0;
  for (let p = 0; p < t.length; p++) if (ids.includes(t[p]) && keep(Math.floor(p / N), p % N)) n++;
  return n;
};

/**
 * Open area (mm²) per σ for one condition, sampled with the tissue function on the plane where it
 * is read: the mid-sagittal plane behind the disc (SCS), the parasagittal plane through the left
 * foramen (NFN), the axial plane through the disc in the left recess (SS).
 */
function openArea(which: 'scs' | 'nfn' | 'ss', sigma: number, seed: number, side = 1): number {
  const a = anatomyWith(which, sigma, seed);
  const s0 = a.discMid[discOfLevel(LEVEL)];
  const i = lutIndex(a.lut, s0);
  const Dc = a.lut.canalD[i];
  const Wc2 = a.lut.canalW2[i];
  const step = 0.25;
  let n = 0;
  const grid = (u0: number, u1: number, v0: number, v1: number, at: (u: number, v: number) => number, ids: readonly number[]) => {
    for (let u = u0; u <= u1; u += step) for (let v = v0; v <= v1; v += step) if (ids.includes(at(u, v))) n++;
  };
  if (which === 'scs') grid(s0 - 1.5, s0 + 1.5, -2, Dc + 2, (s, d) => tissueAt(a, s, d, 0), [TISSUE.CSF, TISSUE.ROOT]);
  else if (which === 'nfn') {
    const sf = s0 - a.discHalf[discOfLevel(LEVEL)] - 3.5 * a.k;
    grid(sf - 12, sf + 12, -2, Dc, (s, d) => tissueAt(a, s, d, side * (Wc2 + 5.5 * a.k)), [TISSUE.FORAMEN_FAT]);
  } else grid(Wc2 - 8, Wc2, 0, Dc, (x, d) => tissueAt(a, s0, d, x), [TISSUE.CSF, TISSUE.ROOT, TISSUE.EPIDURAL_FAT]);
  return n * step * step;
}

describe('synthetic severity is visible and graded', () => {
  for (const which of ['scs', 'nfn', 'ss'] as const) {
    it(`${which}: open area shrinks with σ; moderate lies between normal and severe`, () => {
      for (const seed of [1, 2, 3]) {
        const areas = [0, 0.2, 0.4, 0.55, 0.7, 0.85, 1].map((sg) => openArea(which, sg, seed));
        for (let k = 1; k < areas.length; k++) expect(areas[k], `${which} seed ${seed}: ${areas}`).toBeLessThanOrEqual(areas[k - 1]);
        const [normal, , , moderate, , severe] = areas;
        expect(normal, `${which} seed ${seed}: ${areas}`).toBeGreaterThan(5);
        expect(moderate).toBeLessThan(0.85 * normal);
        expect(moderate).toBeGreaterThan(severe);
        expect(severe).toBeLessThan(0.45 * normal);
      }
    });
  }

  it('only the side that narrows narrows', () => {
    const right = (sigma: number) => openArea('nfn', sigma, 4, -1);
    const left = (sigma: number) => openArea('nfn', sigma, 4, 1);
    expect(right(1)).toBeGreaterThan(0.85 * right(0));
    expect(left(1)).toBeLessThan(0.45 * left(0));
  });

  it('the mid-sagittal and axial slices render the same anatomy as the tissue function', () => {
    const a = anatomyWith('scs', 0.5, 5);
    const s = a.discMid[discOfLevel(LEVEL)];
    const sag = tissueSlice(a, sagittal(a, 0, s, 0));
    const ax = tissueSlice(a, axial(a, s));
    // The slice centres are the spine points (s, d = 0, x = 0) and (s, d = 5, x = 0).
    expect(sag[(N / 2) * N + N / 2]).toBe(tissueAt(a, s, 0.25, -0.25));
    expect(count(sag, [TISSUE.CSF]) + count(ax, [TISSUE.CSF])).toBeGreaterThan(50);
    expect(ax[(N / 2) * N + N / 2]).toBe(tissueAt(a, s, 5.25, 0.25));
  });
});
