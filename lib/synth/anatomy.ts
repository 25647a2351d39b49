/**
 * A synthetic lumbar spine, described in "straightened" spine coordinates:
 *   s  (mm) along the spine, increasing caudally, 0 at the middle of the L3 body;
 *   d  (mm) antero-posterior, 0 on the posterior wall of the vertebral bodies, positive posterior;
 *   x  (mm) lateral, positive towards the patient's LEFT (DICOM LPS), 0 on the midline.
 * The spine's centreline C(s) is a lordotic curve in the patient's sagittal (y, z) plane; a
 * patient point is C(s) + d·n(s) + (x + xShift(s))·ex, with n(s) the posterior normal of the
 * curve. Every structure (bodies, discs, canal, foramina, posterior elements, muscles, skin) is
 * defined in (s, d, x), so sagittal and axial slices cut the same 3-D anatomy.
 *
 * Vertebrae, cranial to caudal: T11 T12 L1 L2 L3 L4 L5 S1 S2 S3 S4 S5 (indices 0..11); disc i
 * lies between vertebrae i and i + 1, so level ℓ (L1/L2 … L5/S1) is disc ℓ + 2.
 */
import { Rng } from '../core/rng.js';

export const N_VERT = 12;
export const L3 = 4;
export const S1 = 7;
/** Disc index of level ℓ (0 = L1/L2 … 4 = L5/S1). */
export const discOfLevel = (level: number) => level + 2;

const BODY_H = [22, 23, 25, 26, 27, 27, 26, 24, 20, 16, 13, 10];
const BODY_D = [28, 29, 30, 31, 33, 34, 34, 34, 28, 22, 17, 12];
const BODY_W2 = [20, 21, 22, 23, 24, 25, 26, 25, 20, 16, 12, 8];
const CANAL_D = [15, 15, 16, 15, 15, 15, 16, 14, 11, 8, 6, 5];
const CANAL_W2 = [9, 9.5, 10, 10.5, 11, 11.5, 12.5, 13, 11, 9, 7, 5];
const DISC_H = [6, 7, 8.5, 9.5, 10.5, 11, 10, 1.6, 1.4, 1.2, 1.0];

/** Visible severities σ ∈ [0, 1] per level; side 0 = left (+x), 1 = right (−x). */
export interface LevelSeverity {
  scs: number[];
  nfn: [number[], number[]];
  ss: [number[], number[]];
}

/** Tabulated functions of s (step LUT_STEP mm from sMin). */
export interface SpineLut {
  sMin: number;
  n: number;
  /** Centreline (patient y, z) and tangent angle θ (rad; 0 = straight down, > 0 = going posterior). */
  cy: Float64Array;
  cz: Float64Array;
  theta: Float64Array;
  /** Lateral shift of the midline (mild scoliosis), mm. */
  xShift: Float32Array;
  bodyD: Float32Array;
  bodyW2: Float32Array;
  canalD: Float32Array;
  canalW2: Float32Array;
  nearestDisc: Int8Array;
  nearestVert: Int8Array;
}

export const LUT_STEP = 0.25;

export interface Anatomy {
  /** Patient size factor (1 = average). */
  k: number;
  vTop: number[];
  vBot: number[];
  discMid: number[];
  /** Half-height of each disc (mm), degeneration included. */
  discHalf: number[];
  /** Nucleus hydration per disc, 1 = healthy, 0 = desiccated. */
  hydration: number[];
  sev: LevelSeverity;
  /** Normal CSF gap behind each disc at the midline (mm): what SCS narrows. */
  conusEnd: number;
  sacEnd: number;
  aortaBif: number;
  /** Back muscle depth behind the canal, back and front subcutaneous fat, abdomen depth (mm). */
  muscle: number;
  fatBack: number;
  fatFront: number;
  abdomen: number;
  torsoW2: number;
  facetAngle: number;
  /** Cauda equina roots: (x, d offset from the sac centre) pairs, mm. */
  roots: number[];
  lut: SpineLut;
  /** Patient-frame position of the centreline origin (s = 0) and the midline x. */
  origin: { x: number; y: number; z: number };
}

const jitter = (rng: Rng, v: number, rel: number) => v * (1 + rel * rng.normal());

/**
 * Sample one study's anatomy. `sev` are the visible severities of the 5 levels; `age` ∈ [0, 1]
 * adds degeneration everywhere (disc height and hydration). Pose: `rotation` (rad) tilts the
 * whole spine in the sagittal plane, `origin` places s = 0 in the patient frame.
 */
export function sampleAnatomy(rng: Rng, sev: LevelSeverity, origin: { x: number; y: number; z: number }, rotation: number): Anatomy {
  const k = Math.min(1.25, Math.max(0.8, rng.normal(1, 0.08)));
  const age = rng.random() * 0.35;
  const canal = Math.min(1.2, Math.max(0.8, rng.normal(1, 0.07)));
  const H = BODY_H.map((h) => jitter(rng, h * k, 0.04));
  // Degeneration per disc: driven by the level's severities (stenosis comes with degenerated discs).
  const deg = DISC_H.map((_, i) => {
    const l = i - 2;
    if (l < 0 || l > 4) return i < 7 ? age : 1;
    const local = 0.45 * sev.scs[l] + 0.15 * (sev.nfn[0][l] + sev.nfn[1][l]) + 0.125 * (sev.ss[0][l] + sev.ss[1][l]);
    return Math.min(1, Math.max(0, age + 0.8 * local + 0.1 * rng.normal()));
  });
  const hd = DISC_H.map((h, i) => (i < 7 ? jitter(rng, h * k, 0.06) * (1 - 0.4 * deg[i]) : h * k) / 2);
  // Lay the segments out along s, with s = 0 at the middle of L3.
  const vTop: number[] = [];
  const vBot: number[] = [];
  const discMid: number[] = [];
  let s = 0;
  for (let v = 0; v < N_VERT; v++) {
    vTop.push(s);
    s += H[v];
    vBot.push(s);
    if (v < N_VERT - 1) {
      discMid.push(s + hd[v]);
      s += 2 * hd[v];
    }
  }
  const shift = (vTop[L3] + vBot[L3]) / 2;
  for (const arr of [vTop, vBot, discMid]) for (let i = 0; i < arr.length; i++) arr[i] -= shift;

  const lut = buildLut(rng, k, canal, vTop, vBot, discMid, rotation, origin);
  const roots: number[] = [];
  for (let i = 0; i < 10; i++) roots.push(rng.uniform(-0.55, 0.55), rng.uniform(0.25, 0.65));
  return {
    k,
    vTop,
    vBot,
    discMid,
    discHalf: hd,
    hydration: deg.map((g, i) => (i < 7 ? Math.min(1, Math.max(0.05, 1 - 0.9 * g)) : 0)),
    sev,
    conusEnd: discMid[2] + rng.uniform(-14, 8),
    sacEnd: (vTop[S1 + 1] + vBot[S1 + 1]) / 2,
    aortaBif: (vTop[5] + vBot[5]) / 2 + rng.uniform(-8, 8),
    muscle: jitter(rng, 48 * k, 0.1),
    fatBack: Math.max(6, rng.normal(18, 8) * k),
    fatFront: Math.max(8, rng.normal(22, 10) * k),
    abdomen: jitter(rng, 150 * k, 0.12),
    torsoW2: jitter(rng, 165 * k, 0.08),
    facetAngle: rng.uniform(0.5, 0.9),
    roots,
    lut,
    origin,
  };
}

function buildLut(
  rng: Rng, k: number, canal: number, vTop: number[], vBot: number[], discMid: number[], rotation: number,
  origin: { x: number; y: number; z: number },
): SpineLut {
  const sMin = vTop[0] - 80;
  const sMax = vBot[N_VERT - 1] + 80;
  const n = Math.ceil((sMax - sMin) / LUT_STEP) + 1;
  const sL1 = vTop[2];
  const sS1 = vTop[S1];
  const thetaL1 = (rng.normal(-14, 5) * Math.PI) / 180 + rotation;
  const lordosis = (rng.normal(48, 9) * Math.PI) / 180;
  const kyphosis = rng.uniform(0.001, 0.003);
  const sacral = rng.uniform(0.004, 0.008);
  const pow = rng.uniform(1.3, 1.8);
  const lateral = rng.uniform(-5, 5);
  const size = (tab: number[], v: number, f: number) => tab[v] * f;
  const lut: SpineLut = {
    sMin, n,
    cy: new Float64Array(n), cz: new Float64Array(n), theta: new Float64Array(n), xShift: new Float32Array(n),
    bodyD: new Float32Array(n), bodyW2: new Float32Array(n), canalD: new Float32Array(n), canalW2: new Float32Array(n),
    nearestDisc: new Int8Array(n), nearestVert: new Int8Array(n),
  };
  const mids = vTop.map((t, v) => (t + vBot[v]) / 2);
  const per = BODY_D.map(() => 0).map((_, v) => ({
    d: size(BODY_D, v, k * (1 + 0.04 * rng.normal())),
    w: size(BODY_W2, v, k * (1 + 0.04 * rng.normal())),
    cd: size(CANAL_D, v, k * canal),
    cw: size(CANAL_W2, v, k * canal),
  }));
  for (let i = 0; i < n; i++) {
    const s = sMin + i * LUT_STEP;
    let th: number;
    if (s < sL1) th = thetaL1 + kyphosis * (sL1 - s);
    else if (s < sS1) th = thetaL1 + lordosis * Math.pow((s - sL1) / (sS1 - sL1), pow);
    else th = thetaL1 + lordosis - sacral * (s - sS1);
    lut.theta[i] = th;
    lut.xShift[i] = lateral * Math.sin((Math.PI * (s - sL1)) / (sS1 - sL1 + 60));
    // Sizes: linear between vertebral mid-heights.
    let v = 0;
    while (v < N_VERT - 2 && s > mids[v + 1]) v++;
    const u = Math.min(1, Math.max(0, (s - mids[v]) / (mids[v + 1] - mids[v])));
    lut.bodyD[i] = per[v].d + u * (per[v + 1].d - per[v].d);
    lut.bodyW2[i] = per[v].w + u * (per[v + 1].w - per[v].w);
    lut.canalD[i] = per[v].cd + u * (per[v + 1].cd - per[v].cd);
    lut.canalW2[i] = per[v].cw + u * (per[v + 1].cw - per[v].cw);
    lut.nearestVert[i] = argNearest(mids, s);
    lut.nearestDisc[i] = argNearest(discMid, s);
  }
  // Integrate the centreline from s = 0 (the origin) both ways: dC/ds = (sin θ, −cos θ) in (y, z).
  const i0 = Math.round(-sMin / LUT_STEP);
  lut.cy[i0] = origin.y;
  lut.cz[i0] = origin.z;
  for (let i = i0 + 1; i < n; i++) {
    const th = (lut.theta[i] + lut.theta[i - 1]) / 2;
    lut.cy[i] = lut.cy[i - 1] + LUT_STEP * Math.sin(th);
    lut.cz[i] = lut.cz[i - 1] - LUT_STEP * Math.cos(th);
  }
  for (let i = i0 - 1; i >= 0; i--) {
    const th = (lut.theta[i] + lut.theta[i + 1]) / 2;
    lut.cy[i] = lut.cy[i + 1] - LUT_STEP * Math.sin(th);
    lut.cz[i] = lut.cz[i + 1] + LUT_STEP * Math.cos(th);
  }
  return lut;
}

function argNearest(xs: readonly number[], s: number): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (Math.abs(xs[i] - s) < Math.abs(xs[best] - s)) best = i;
  return best;
}

/** LUT index of s, clamped. */
export function lutIndex(lut: SpineLut, s: number): number {
  const i = Math.round((s - lut.sMin) / LUT_STEP);
  return i < 0 ? 0 : i >= lut.n ? lut.n - 1 : i;
}

/** Fractional LUT position of s, clamped inside the table (interpolate entries ⌊f⌋ and ⌊f⌋ + 1). */
const lutPosition = (lut: SpineLut, s: number) => Math.min(Math.max((s - lut.sMin) / LUT_STEP, 0), lut.n - 1.001);
/** A table column linearly interpolated between entries i and i + 1 with weight w. */
const lerp = (col: ArrayLike<number>, i: number, w: number) => col[i] * (1 - w) + col[i + 1] * w;

/** The centreline at s: patient (y, z), tangent angle θ, and the LUT entry i and weight w used. */
interface CentrePoint { cy: number; cz: number; th: number; i: number; w: number }

function centreAt(lut: SpineLut, s: number, out: CentrePoint): CentrePoint {
  const f = lutPosition(lut, s);
  out.i = Math.floor(f);
  out.w = f - out.i;
  out.cy = lerp(lut.cy, out.i, out.w);
  out.cz = lerp(lut.cz, out.i, out.w);
  out.th = lerp(lut.theta, out.i, out.w);
  return out;
}

/** Patient (x, y, z) of a spine point (s, d, x). */
export function toPatient(a: Anatomy, s: number, d: number, x: number): [number, number, number] {
  const lut = a.lut;
  const { cy, cz, th, i, w } = centreAt(lut, s, { cy: 0, cz: 0, th: 0, i: 0, w: 0 });
  const xs = lerp(lut.xShift, i, w);
  // Posterior normal n = (cos θ, sin θ) in (y, z).
  return [a.origin.x + x + xs, cy + d * Math.cos(th), cz + d * Math.sin(th)];
}

/** Reused by toSpine's Newton steps (one thread per process). */
const scratch: CentrePoint = { cy: 0, cz: 0, th: 0, i: 0, w: 0 };

/**
 * Spine coordinates (s, d) of a patient point (y, z), by Newton's method on the foot point of the
 * centreline, starting from `sGuess`. Far from the spine (beyond the centre of curvature) the
 * result is meaningless; `ok` is false there and callers treat the point as outside the body.
 */

export function toSpine(a: Anatomy, y: number, z: number, sGuess: number, out: { s: number; d: number; ok: boolean }): void {
  const lut = a.lut;
  let s = sGuess;
  let d = 0;
  let ok = true;
  for (let it = 0; it < 6; it++) {
    const { cy, cz, th, i } = centreAt(lut, s, scratch);
    const c = Math.cos(th);
    const sn = Math.sin(th);
    const dy = y - cy;
    const dz = z - cz;
    const along = dy * sn - dz * c; // component on the tangent (sin θ, −cos θ)
    d = dy * c + dz * sn;
    const kappa = (lut.theta[Math.min(i + 1, lut.n - 1)] - lut.theta[i]) / LUT_STEP;
    const den = 1 - kappa * d;
    if (den < 0.25) ok = false;
    const step = along / Math.max(den, 0.25);
    s += step;
    if (Math.abs(step) < 1e-3) break;
  }
  out.s = s;
  out.d = d;
  out.ok = ok && s > lut.sMin && s < lut.sMin + (lut.n - 1) * LUT_STEP;
}
