/**
 * Which competition series type a DICOM series is, from its own headers: the rule for data that
 * comes without the competition's `*_series_descriptions.csv` (the browser page; the Node pipeline
 * reads the CSV). IO-free.
 *
 * Plane from geometry: the series normal's largest component (x: sagittal, z: axial, y: coronal).
 * Weighting, in this order of trust:
 * 1. SeriesDescription (0008,103E): the competition's own names ("Sagittal T2/STIR") or scanner
 *    names ("SAG T1 TSE", "t2_tse_sag", "STIR"); STIR/TIRM count as T2/STIR (as in the
 *    competition), T2 beats T1 when both appear ("T1 T2 merged" is rare, a T2 series is not);
 * 2. inversion recovery (ScanningSequence IR with an inversion time below 300 ms): STIR;
 * 3. echo and repetition times: TE < 30 ms and TR < 1000 ms is T1-weighted, TE ≥ 60 ms T2-weighted;
 * otherwise the weighting is unknown and the series is not used.
 * Porting note: the reference always had the CSV; this rule is ours, checked on the synthetic
 * series (their descriptions and times) and on hand-made headers in tests/data/series-type.test.ts.
 */
import type { SeriesDescription } from './vocabulary.js';

export type Plane = 'sagittal' | 'coronal' | 'axial';
export type Weighting = 'T1' | 'T2/STIR';

/** What the rule reads from a series. */
export interface SeriesTraits {
  /** Unit normal of the slices (any sign). */
  normal: readonly [number, number, number];
  description?: string;
  echoTime?: number;
  repetitionTime?: number;
  inversionTime?: number;
  scanningSequence?: string;
}

export interface SeriesType {
  plane: Plane;
  weighting: Weighting | null;
  /** The competition type, or null when the models do not read this kind of series. */
  description: SeriesDescription | null;
  /** How the weighting was found (or why not), for the page. */
  reason: string;
}

export function seriesPlane(normal: readonly [number, number, number]): Plane {
  const a = normal.map(Math.abs);
  if (a[0] >= a[1] && a[0] >= a[2]) return 'sagittal';
  return a[2] >= a[1] ? 'axial' : 'coronal';
}

function weightingOfDescription(text: string): Weighting | null {
  const t = text.toUpperCase();
  if (/STIR|TIRM|T2/.test(t)) return 'T2/STIR';
  if (/T1/.test(t)) return 'T1';
  return null;
}

function weightingOfTimes(t: SeriesTraits): { weighting: Weighting | null; reason: string } {
  if (/IR/.test((t.scanningSequence ?? '').toUpperCase()) && t.inversionTime !== undefined && t.inversionTime < 300) {
    return { weighting: 'T2/STIR', reason: `inversion recovery, TI ${t.inversionTime} ms` };
  }
  const { echoTime: te, repetitionTime: tr } = t;
  if (te === undefined || tr === undefined) return { weighting: null, reason: 'no weighting in the description and no echo/repetition times' };
  const times = `TE ${te} ms, TR ${tr} ms`;
  if (te < 30 && tr < 1000) return { weighting: 'T1', reason: times };
  if (te >= 60) return { weighting: 'T2/STIR', reason: times };
  return { weighting: null, reason: `${times}: neither T1- nor T2-weighted` };
}

/** The series type by the rule above. */
export function seriesType(t: SeriesTraits): SeriesType {
  const plane = seriesPlane(t.normal);
  const fromText = t.description ? weightingOfDescription(t.description) : null;
  const { weighting, reason } = fromText
    ? { weighting: fromText, reason: `SeriesDescription "${t.description}"` }
    : weightingOfTimes(t);
  let description: SeriesDescription | null = null;
  if (plane === 'sagittal' && weighting) description = weighting === 'T1' ? 'Sagittal T1' : 'Sagittal T2/STIR';
  if (plane === 'axial' && weighting === 'T2/STIR') description = 'Axial T2';
  return { plane, weighting, description, reason };
}
