/**
 * The tissue at a spine point (s, d, x) of an `Anatomy` (see anatomy.ts for the coordinates).
 * Tissue ids name the structure as well as the material (foraminal fat is not epidural fat), so
 * tests can check that a label point lies on the intended structure; `contrast.ts` maps ids to
 * T1 / T2 / STIR intensities.
 *
 * Where severity shows (σ ∈ [0, 1]; the class boundaries are at 0.4 and 0.7):
 *  - SCS: at each disc a central posterior bulge and a thickened ligamentum flavum close the CSF
 *    gap behind the disc by the fraction σ (obliterated at σ = 1): mid-sagittal T2.
 *  - NFN: the foramen's fat (a teardrop under the pedicle, with the exiting root in its upper
 *    part) shrinks to (1 − 0.4σ) × (1 − 0.65σ) of its size, the rest turning fibrous: the
 *    parasagittal slices of that side (T1: bright fat → dark).
 *  - SS: the facet of that side grows medially and forwards and a paracentral bulge and the flavum
 *    close the lateral recess: axial slices at the disc, and paramedian sagittal slices.
 */
import { L3, lutIndex, S1, type Anatomy } from './anatomy.js';

export const TISSUE = {
  AIR: 0, SKIN: 1, FAT: 2, MUSCLE: 3, ABDOMEN: 4, VESSEL: 5,
  MARROW: 6, CORTEX: 7, ANNULUS: 8, BULGE: 9, LIGAMENT: 10, FLAVUM: 11,
  CSF: 12, CORD: 13, ROOT: 14, EPIDURAL_FAT: 15,
  FORAMEN_FAT: 16, FORAMEN_ROOT: 17, FORAMEN_FIBROUS: 18,
  FACET: 19, FACET_MARROW: 20, FACET_FLUID: 21, POST_MARROW: 22, POST_CORTEX: 23,
  /** Disc i's nucleus is NUCLEUS + i (its brightness follows the disc's hydration). */
  NUCLEUS: 32,
} as const;
export const N_TISSUES = 48;

const bump = (t: number) => (t > -1 && t < 1 ? (1 - t * t) * (1 - t * t) : 0);
/** Baseline disc bulge and flavum thickness at a healthy disc (mm). */
const BULGE0 = 0.8;
const FLAVUM0 = 2.0;

/** Vertebra indices (see anatomy.ts): T12 is the first with transverse processes drawn, L5 the last lumbar. */
const T12 = 1;
const L5 = S1 - 1;

// Sizes of tissueAt's regions, mm unless a fraction; "× k" scales with the patient (`Anatomy.k`).
/** Cortical shell of every bone. */
const CORTEX = 1.2;
/** Skin, under which lies the subcutaneous fat (`Anatomy.fatBack` / `fatFront`). */
const SKIN = 2;
/** The back muscles thin over this length below the top of S1, by this fraction at most. */
const SACRAL_TAPER = 90;
const SACRAL_MUSCLE_LOSS = 0.55;
/** The torso's two half-ellipses (flat back, round belly) meet at this fraction of the canal depth. */
const TORSO_JOIN = 0.5;
/** Abdominal wall and latissimus under the fat (× k), present in front and beyond this lateral distance (× k). */
const BODY_WALL = 9;
const BODY_WALL_LATERAL = 45;
/**
 * Posterior abdominal wall: the cavity reaches back beside the column. At the midline its wall is
 * this far behind the body's front; it curves back to the canal over this lateral distance beyond
 * the body's side (× k), ends this far behind the canal, and recedes again beyond the flank (× k).
 */
const CAVITY_FRONT = 3;
const CAVITY_REACH = 35;
const CAVITY_BACK = 10;
const CAVITY_FLANK = 55;
/** Vessels lie at least this far in front of the vertebral bodies. */
const VESSEL_GAP = 2;
/** A disc bulge reaches this far beside the canal and behind the bodies at most. */
const BULGE_LATERAL = 2;
const BULGE_DEPTH = 12;
/** The laminar roof slopes forward: the canal is this fraction shallower at its sides. */
const ROOF_SLOPE = 0.3;
/** Pedicles: between these fractions of the vertebral height, this wide (× k), to this fraction of the canal depth. */
const PEDICLE_TOP = 0.1;
const PEDICLE_BOTTOM = 0.5;
const PEDICLE_WIDTH = 8;
const PEDICLE_DEPTH = 0.85;
/** The pedicle's medial wall shows inside the canal within this distance of its side. */
const PEDICLE_WALL = 0.5;
/** Band beside the canal holding pedicles, foramina and facets (× k). */
const FORAMINAL_BAND = 11;
/** Laminae: from this fraction of the canal depth, this wide beside the canal and this thick (× k). */
const LAMINA_FRONT = 0.7;
const LAMINA_WIDTH = 7;
const LAMINA_THICKNESS = 6;
/** Cortex of the sacral ala beside the canal. */
const ALA_CORTEX = 1.5;
/** Transverse processes: this long beside the canal and half as thick (× k), at mid canal depth, between these fractions of the height. */
const TRANSVERSE_LENGTH = 32;
const TRANSVERSE_HALF = 3;
const TRANSVERSE_DEPTH = 0.5;
const TRANSVERSE_TOP = 0.15;
const TRANSVERSE_BOTTOM = 0.5;
/** Flavum behind the laminae: this far beside the canal and behind its roof; it spans the disc ± this much. */
const FLAVUM_LATERAL = 2;
const FLAVUM_DEPTH = 3;
const FLAVUM_REACH = 7;
/**
 * Spinous processes: half this wide (× k), from this far behind the canal; each starts at this
 * fraction of its vertebra's height and slopes down this much per mm back, is this fraction of the
 * height tall and this long (× k; shorter at L5), its tip this far beyond (outer and marrow).
 */
const SPINOUS_HALF = 3.2;
const SPINOUS_START = 3;
const SPINOUS_TOP = 0.22;
const SPINOUS_SLOPE = 0.35;
const SPINOUS_HEIGHT = 0.7;
const SPINOUS_LENGTH = 33;
const SPINOUS_LENGTH_L5 = 26;
const SPINOUS_TIP = 4;
const SPINOUS_TIP_MARROW = 2.8;
/** Median sacral crest behind the sacral canal (× k); supraspinous ligament: half this wide, this long (× k). */
const SACRAL_CREST = 5;
const LIGAMENT_HALF = 2.5;
const LIGAMENT_LENGTH = 40;

/** Severities of disc i: [scs, nfn, ss] for a side (0 = left, 1 = right); non-lumbar discs are healthy. */
function sevAt(a: Anatomy, disc: number, side: number, which: 'scs' | 'nfn' | 'ss'): number {
  const l = disc - 2;
  if (l < 0 || l > 4) return 0;
  return which === 'scs' ? a.sev.scs[l] : a.sev[which][side][l];
}

/** Posterior extent (d, mm) of disc `di`'s bulge at (sl, x); 0 outside the disc's reach. */
function bulgeAt(a: Anatomy, di: number, sl: number, x: number, canalD: number, canalW2: number): number {
  const hd = a.discHalf[di];
  const env = bump(sl / (hd + 2));
  if (env === 0) return 0;
  const ax = Math.abs(x);
  const side = x >= 0 ? 0 : 1;
  const gap = canalD - FLAVUM0 - BULGE0 - 0.3;
  const central = 0.6 * sevAt(a, di, side, 'scs') * gap * bump(x / canalW2);
  const para = 4.5 * a.k * sevAt(a, di, side, 'ss') * bump((ax - (canalW2 - 3.5)) / 5);
  return env * (BULGE0 + central + para);
}

/** Flavum thickness (mm, from the posterior canal wall inwards) of disc `di`'s level at (sl, x). */
function flavumAt(a: Anatomy, di: number, sl: number, x: number, canalD: number, canalW2: number): number {
  const env = bump(sl / (a.discHalf[di] + FLAVUM_REACH));
  if (env === 0) return 0;
  const ax = Math.abs(x);
  const side = x >= 0 ? 0 : 1;
  const gap = canalD - FLAVUM0 - BULGE0 - 0.3;
  const central = 0.4 * sevAt(a, di, side, 'scs') * gap * bump(x / (1.3 * canalW2));
  const lateral = 3 * a.k * sevAt(a, di, side, 'ss') * bump((ax - (canalW2 - 3.5)) / 6);
  return env * (FLAVUM0 + central + lateral);
}

/** Facet joint of disc `di` on the side of x: 0 outside, else a tissue id. */
function facetAt(a: Anatomy, di: number, s: number, d: number, x: number, canalD: number, canalW2: number): number {
  if (di > 6) return 0;
  const side = x >= 0 ? 0 : 1;
  const sig = sevAt(a, di, side, 'ss');
  const ax = Math.abs(x);
  const sc = a.discMid[di] - 1;
  const dc = canalD + 2 - 3 * sig;
  const xc = canalW2 + 4 * a.k - 5 * sig;
  const us = (s - sc) / (a.discHalf[di] + 16 * a.k);
  const ud = (d - dc) / ((8 + 8 * sig) * a.k);
  const ux = (ax - xc) / ((6 + 1.5 * sig) * a.k);
  const r = us * us + ud * ud + ux * ux;
  if (r > 1) return 0;
  const line = (ax - xc) * Math.cos(a.facetAngle) - (d - dc) * Math.sin(a.facetAngle) + 0.25 * (s - sc);
  if (Math.abs(line) < 0.7) return TISSUE.FACET_FLUID;
  return r > 0.55 ? TISSUE.FACET : TISSUE.FACET_MARROW;
}

/** Neural foramen of disc `di` on the side of x (ax already in the foraminal band): 0 outside. */
function foramenAt(a: Anatomy, di: number, s: number, d: number, canalD: number, side: number): number {
  if (di > 6) return 0;
  const sig = sevAt(a, di, side, 'nfn');
  const k = a.k;
  const sf = a.discMid[di] - a.discHalf[di] - 3.5 * k;
  const df = 0.42 * canalD;
  const as0 = 8.5 * k;
  const taper = Math.min(1, Math.max(0.35, 0.7 + (0.3 * (sf - s)) / as0));
  const ad0 = 5.5 * k * taper;
  const us0 = (s - sf) / as0;
  const ud0 = (d - df) / ad0;
  const r0 = us0 * us0 + ud0 * ud0;
  if (r0 > 1) return 0;
  const us = (s - sf) / (as0 * (1 - 0.4 * sig));
  const ud = (d - df) / (ad0 * (1 - 0.65 * sig));
  if (us * us + ud * ud > 1) return TISSUE.FORAMEN_FIBROUS;
  const rr = 2.3 * k * (1 - 0.25 * sig);
  const rs = (s - (sf - 0.35 * as0)) / rr;
  const rd = (d - df) / (rr * (1 - 0.3 * sig));
  return rs * rs + rd * rd <= 1 ? TISSUE.FORAMEN_ROOT : TISSUE.FORAMEN_FAT;
}

/** Bone with a cortex: `inner` says whether the point is inside the shrunk shape. */
const bone = (inner: boolean, post: boolean) => (inner ? (post ? TISSUE.POST_MARROW : TISSUE.MARROW) : post ? TISSUE.POST_CORTEX : TISSUE.CORTEX);

/**
 * The tissue at spine point (s, d, x); x is relative to the (shifted) midline. Regions, outside in:
 * the torso outline (air, skin, fat, body wall), the abdomen, the vertebral bodies and discs, the
 * canal, the band beside it (pedicles, foramina, facets), the lateral soft tissue at canal depth,
 * and the posterior elements with the back muscles.
 */
export function tissueAt(a: Anatomy, s: number, d: number, x: number): number {
  const lut = a.lut;
  const i = lutIndex(lut, s);
  const Db = lut.bodyD[i];
  const Wb2 = lut.bodyW2[i];
  const Dc = lut.canalD[i];
  const Wc2 = lut.canalW2[i];
  const k = a.k;
  const ax = Math.abs(x);
  const side = x >= 0 ? 0 : 1;

  const sacralTaper = Math.min(1, Math.max(0, (s - a.vTop[S1]) / SACRAL_TAPER));
  const muscle = a.muscle * (1 - SACRAL_MUSCLE_LOSS * sacralTaper);
  const dMid = TORSO_JOIN * Dc;
  const depth = depthUnderSkin(a, d, x, dMid, Db, Dc, muscle);
  if (depth < 0) return TISSUE.AIR;
  if (depth < SKIN) return TISSUE.SKIN;
  const fat = d > dMid ? a.fatBack : a.fatFront;
  if (depth < fat) return TISSUE.FAT;
  if (depth < fat + BODY_WALL * k && (d < dMid || ax > BODY_WALL_LATERAL * k)) return TISSUE.MUSCLE;

  const di = lut.nearestDisc[i];
  const nv = lut.nearestVert[i];
  const sl = s - a.discMid[di];

  if (d < cavityBack(ax, k, Db, Wb2, Dc)) return abdomenAt(a, s, d, x, ax, Db, Wb2);
  if (d < 0) return anteriorColumnAt(a, s, d, x, ax, nv, di, sl, Db, Wb2, Dc);

  // Posterior disc bulge (protrusion into the canal and the recesses).
  if (ax < Wc2 + BULGE_LATERAL && d < BULGE_DEPTH && s > a.vTop[0]) {
    const b = bulgeAt(a, di, sl, x, Dc, Wc2);
    if (d < b) return TISSUE.BULGE;
  }
  // Canal (a rounded triangle: its roof, the laminae, slopes forward laterally) and recesses.
  const rr = Math.min(ax / Wc2, 1);
  const dPost = Dc * (1 - ROOF_SLOPE * rr * rr);
  if (d < dPost && ax < Wc2) return canalAt(a, s, d, x, ax, nv, di, sl, Dc, Wc2, dPost);
  if (d < Dc && ax >= Wc2 && ax < Wc2 + FORAMINAL_BAND * k) return besideCanalAt(a, s, d, x, ax, side, nv, di, Dc, Wc2);
  if (d < Dc && ax >= Wc2) return lateralAt(a, s, d, ax, nv, Db, Wb2, Dc, Wc2, muscle);
  return posteriorElementsAt(a, s, d, x, ax, nv, di, sl, Dc, Wc2, dPost, muscle);
}

/**
 * Depth under the skin (mm) of (d, x) in the torso outline, −1 outside it: two half-ellipses joined
 * at `dMid` (a flat back over the muscles, a round belly in front of the bodies).
 */
function depthUnderSkin(a: Anatomy, d: number, x: number, dMid: number, Db: number, Dc: number, muscle: number): number {
  const aT = d > dMid ? muscle + a.fatBack + 0.5 * Dc : Db + a.abdomen + 0.5 * Dc;
  const ud = (d - dMid) / aT;
  const ux = x / a.torsoW2;
  const rho = Math.sqrt(ud * ud + ux * ux);
  if (rho > 1) return -1;
  // Distance to the outline ≈ (1 − ρ) / |∇ρ|.
  return rho < 0.05 ? 1e9 : ((1 - rho) * rho) / Math.sqrt((ud / aT) ** 2 + (ux / a.torsoW2) ** 2);
}

/** Depth of the posterior abdominal wall at lateral distance `ax`: the cavity lies in front of it. */
function cavityBack(ax: number, k: number, Db: number, Wb2: number, Dc: number): number {
  return -Db - CAVITY_FRONT + Math.min(1, (ax / (Wb2 + CAVITY_REACH * k)) ** 2) * (Db + Dc + CAVITY_BACK) + Math.max(0, ax - CAVITY_FLANK * k);
}

/** Abdominal cavity: the great vessels in front of the column, the psoas beside it, else viscera. */
function abdomenAt(a: Anatomy, s: number, d: number, x: number, ax: number, Db: number, Wb2: number): number {
  if (d < -Db - VESSEL_GAP) {
    const v = vessel(a, s, d, x, Db, Wb2);
    if (v) return v;
  }
  return psoas(a, s, d, ax, Db, Wb2) ? TISSUE.MUSCLE : TISSUE.ABDOMEN;
}

/** In front of the canal (d < 0): vertebral bodies and discs, the psoas and quadratus beside them. */
function anteriorColumnAt(a: Anatomy, s: number, d: number, x: number, ax: number, nv: number, di: number, sl: number, Db: number, Wb2: number, Dc: number): number {
  const dn = (d + Db / 2) / (Db / 2);
  const xn = x / Wb2;
  if (inSection(xn, dn)) return bodyOrDisc(a, s, d, x, xn, dn, nv, di, sl, Db, Wb2);
  if (psoas(a, s, d, ax, Db, Wb2) || quadratus(a, s, d, ax, Dc, Wb2)) return TISSUE.MUSCLE;
  return TISSUE.FAT;
}

/** Inside the canal: facets growing in, the pedicles' medial walls, the flavum, then the thecal sac. */
function canalAt(a: Anatomy, s: number, d: number, x: number, ax: number, nv: number, di: number, sl: number, Dc: number, Wc2: number, dPost: number): number {
  const f = facetAt(a, di, s, d, x, Dc, Wc2);
  if (f) return f;
  if (nv < S1 && ax > Wc2 - PEDICLE_WALL) {
    const H = a.vBot[nv] - a.vTop[nv];
    if (s > a.vTop[nv] + PEDICLE_TOP * H && s < a.vTop[nv] + PEDICLE_BOTTOM * H) return TISSUE.CORTEX;
  }
  if (d > dPost - flavumAt(a, di, sl, x, Dc, Wc2)) return TISSUE.FLAVUM;
  return canalContent(a, s, d, x, Dc, Wc2);
}

/** The band beside the canal at canal depth: pedicles, neural foramina, facets, laminae, sacral ala. */
function besideCanalAt(a: Anatomy, s: number, d: number, x: number, ax: number, side: number, nv: number, di: number, Dc: number, Wc2: number): number {
  const k = a.k;
  if (nv < S1) {
    const H = a.vBot[nv] - a.vTop[nv];
    const p0 = a.vTop[nv] + PEDICLE_TOP * H;
    const p1 = a.vTop[nv] + PEDICLE_BOTTOM * H;
    if (s > p0 && s < p1 && ax < Wc2 + PEDICLE_WIDTH * k && d < PEDICLE_DEPTH * Dc) {
      return bone(s > p0 + CORTEX && s < p1 - CORTEX && ax < Wc2 + PEDICLE_WIDTH * k - CORTEX && d < PEDICLE_DEPTH * Dc - CORTEX && d > CORTEX, false);
    }
  }
  const fo = foramenAt(a, di, s, d, Dc, side);
  if (fo) return fo;
  const f = facetAt(a, di, s, d, x, Dc, Wc2);
  if (f) return f;
  if (d > LAMINA_FRONT * Dc && ax < Wc2 + LAMINA_WIDTH * k) return lamina(a, s, d - LAMINA_FRONT * Dc, ax, nv, Wc2);
  return nv >= S1 ? bone(d > ALA_CORTEX && d < Dc - ALA_CORTEX, true) : TISSUE.FORAMEN_FIBROUS;
}

/** Farther out at canal depth: transverse processes, then psoas, quadratus and back muscles in fat. */
function lateralAt(a: Anatomy, s: number, d: number, ax: number, nv: number, Db: number, Wb2: number, Dc: number, Wc2: number, muscle: number): number {
  const k = a.k;
  if (nv < S1 && nv >= T12 && ax < Wc2 + TRANSVERSE_LENGTH * k && Math.abs(d - TRANSVERSE_DEPTH * Dc) < TRANSVERSE_HALF * k) {
    const H = a.vBot[nv] - a.vTop[nv];
    if (s > a.vTop[nv] + TRANSVERSE_TOP * H && s < a.vTop[nv] + TRANSVERSE_BOTTOM * H) return TISSUE.POST_CORTEX;
  }
  if (psoas(a, s, d, ax, Db, Wb2) || quadratus(a, s, d, ax, Dc, Wb2) || paraspinal(a, d, ax, Dc, muscle)) return TISSUE.MUSCLE;
  return TISSUE.FAT;
}

/** Behind the canal: facets, laminae, flavum, spinous processes, the supraspinous ligament, back muscles. */
function posteriorElementsAt(
  a: Anatomy, s: number, d: number, x: number, ax: number, nv: number, di: number, sl: number, Dc: number, Wc2: number, dPost: number, muscle: number,
): number {
  const k = a.k;
  const f = facetAt(a, di, s, d, x, Dc, Wc2);
  if (f) return f;
  const dd = d - dPost;
  if (ax < Wc2 + LAMINA_WIDTH * k && dd < LAMINA_THICKNESS * k) {
    const l = lamina(a, s, dd, ax, nv, Wc2);
    if (l !== TISSUE.FAT) return l;
    const reach = a.discHalf[di] + FLAVUM_REACH;
    if (ax < Wc2 + FLAVUM_LATERAL && dd < FLAVUM_DEPTH && sl > -reach && sl < reach) return TISSUE.FLAVUM;
  }
  const sp = d - Dc;
  if (ax < SPINOUS_HALF * k && sp > SPINOUS_START) {
    for (let v = nv; v >= Math.max(0, nv - 1); v--) {
      if (v > L5) continue;
      const H = a.vBot[v] - a.vTop[v];
      const s0 = a.vTop[v] + SPINOUS_TOP * H + SPINOUS_SLOPE * sp;
      const len = (v === L5 ? SPINOUS_LENGTH_L5 : SPINOUS_LENGTH) * k;
      if (s > s0 && s < s0 + SPINOUS_HEIGHT * H && sp < SPINOUS_TIP + len) {
        return bone(ax < SPINOUS_HALF * k - CORTEX && s > s0 + CORTEX && s < s0 + SPINOUS_HEIGHT * H - CORTEX && sp < SPINOUS_TIP_MARROW + len, true);
      }
    }
    if (nv >= S1 && sp < SACRAL_CREST * k && s < a.vBot[S1 + 2]) return TISSUE.POST_CORTEX;
    if (ax < LIGAMENT_HALF && sp < LIGAMENT_LENGTH * k) return TISSUE.LIGAMENT;
  }
  return paraspinal(a, d, ax, Dc, muscle) ? TISSUE.MUSCLE : TISSUE.FAT;
}

function bodyOrDisc(a: Anatomy, s: number, d: number, x: number, xn: number, dn: number, nv: number, di: number, sl: number, Db: number, Wb2: number): number {
  if (s >= a.vTop[nv] && s <= a.vBot[nv]) {
    // Endplates are slightly concave (a 1.2 mm cup); cortex all round.
    const cup = 1.2 * (1 - xn * xn);
    if (s < a.vTop[nv] + cup || s > a.vBot[nv] - cup) {
      return s - a.vTop[nv] < CORTEX + cup || a.vBot[nv] - s < CORTEX + cup ? TISSUE.CORTEX : TISSUE.MARROW;
    }
    const inner = inSection(x / (Wb2 - CORTEX), (d + Db / 2) / (Db / 2 - CORTEX)) && s - a.vTop[nv] > CORTEX && a.vBot[nv] - s > CORTEX;
    return inner ? TISSUE.MARROW : TISSUE.CORTEX;
  }
  if (di >= 7) return TISSUE.ANNULUS;
  const hd = a.discHalf[di];
  const h = a.hydration[di];
  const size = 0.35 + 0.3 * h;
  const us = sl / (hd * (0.5 + 0.3 * h));
  const nuc = us * us + (xn * xn) / (size * size) + ((dn + 0.1) / (size + 0.1)) ** 2;
  return nuc <= 1 ? TISSUE.NUCLEUS + di : TISSUE.ANNULUS;
}

/** Cross-section of bodies and discs (normalised): round in front, nearly square corners behind. */
function inSection(xn: number, dn: number): boolean {
  if (dn < 0) return xn * xn + dn * dn * dn * dn <= 1;
  return dn <= 1 && Math.abs(xn) <= 1 - 0.12 * dn * dn;
}

/** Lamina of vertebra nv at depth dd behind the canal roof (sacral laminae are fused). */
function lamina(a: Anatomy, s: number, dd: number, ax: number, nv: number, Wc2: number): number {
  const k = a.k;
  const H = a.vBot[nv] - a.vTop[nv];
  const below = nv < 11 ? 2 * a.discHalf[nv] : 0;
  const l0 = nv >= S1 ? a.vTop[nv] - (nv > 0 ? a.discHalf[nv - 1] : 0) : a.vTop[nv] + 0.28 * H;
  const l1 = nv >= S1 ? a.vBot[nv] + 0.5 * below : a.vBot[nv] + 0.45 * below;
  if (s <= l0 || s >= l1 || dd < -0.5 || dd > LAMINA_THICKNESS * k) return TISSUE.FAT;
  return bone(s > l0 + CORTEX && s < l1 - CORTEX && dd > 1 && dd < LAMINA_THICKNESS * k - CORTEX && ax < Wc2 + LAMINA_WIDTH * k - CORTEX, true);
}

/** Aorta (left of midline) and its iliac branches, inferior vena cava (right): flow voids. */
function vessel(a: Anatomy, s: number, d: number, x: number, Db: number, Wb2: number): number {
  const k = a.k;
  if (s < a.aortaBif) {
    const ex = (x - 0.35 * Wb2 - 3) / (9 * k);
    const ed = (d + Db + 10 * k) / (9 * k);
    if (ex * ex + ed * ed <= 1) return TISSUE.VESSEL;
  } else {
    const cx = 0.35 * Wb2 + 3 + 0.45 * (s - a.aortaBif);
    const ex = (Math.abs(x) - cx) / (6 * k);
    const ed = (d + Db + 8 * k) / (6 * k);
    if (ex * ex + ed * ed <= 1) return TISSUE.VESSEL;
  }
  if (s < a.aortaBif + 15) {
    const ex = (x + 0.55 * Wb2) / (11 * k);
    const ed = (d + Db + 8 * k) / (7 * k);
    if (ex * ex + ed * ed <= 1) return TISSUE.VESSEL;
  }
  return 0;
}

function psoas(a: Anatomy, s: number, d: number, ax: number, Db: number, Wb2: number): boolean {
  const s0 = (a.vTop[1] + a.vBot[1]) / 2;
  const s1 = a.vTop[S1] + 25;
  if (s < s0 || s > s1) return false;
  const r = Math.min(1, 0.15 + (0.85 * (s - s0)) / (a.vBot[6] - s0));
  const ex = (ax - (Wb2 + 4 + 8 * r)) / ((5 + 13 * r) * a.k);
  const ed = (d + 0.45 * Db - 2) / ((7 + 11 * r) * a.k);
  return ex * ex + ed * ed <= 1;
}

/** Quadratus lumborum, lateral to the transverse processes (L1–L5). */
function quadratus(a: Anatomy, s: number, d: number, ax: number, Dc: number, Wb2: number): boolean {
  if (s < a.vTop[2] || s > (a.vTop[6] + a.vBot[6]) / 2) return false;
  const ex = (ax - (Wb2 + 38 * a.k)) / (15 * a.k);
  const ed = (d - 0.3 * Dc) / (9 * a.k);
  return ex * ex + ed * ed <= 1;
}

/** Erector spinae and multifidus: one mass each side of the spinous processes. */
function paraspinal(a: Anatomy, d: number, ax: number, Dc: number, muscle: number): boolean {
  if (d < 0.3 * Dc) return false;
  const ed = (d - (Dc + 0.4 * muscle)) / (0.62 * muscle + 0.3 * Dc);
  const ex = (ax - 22 * a.k) / (30 * a.k);
  return ed * ed + ex * ex <= 1;
}

/** Inside the bony canal, away from its walls: thecal sac (CSF, cord, roots) in epidural fat. */
function canalContent(a: Anatomy, s: number, d: number, x: number, Dc: number, Wc2: number): number {
  const endTaper = Math.min(1, Math.max(0, (a.sacEnd - s) / 10));
  if (endTaper <= 0) return TISSUE.EPIDURAL_FAT;
  const dS = Dc / 2 + 0.3;
  const adS = (Dc / 2 - 1.5) * endTaper;
  const axS = (Wc2 - 1.5) * endTaper;
  const u = (d - dS) / adS;
  const v = x / axS;
  if (u * u + v * v > 1) return TISSUE.EPIDURAL_FAT;
  // Bulge, flavum and facets were tested before: what is left here is open sac.
  const cordTaper = Math.min(1, Math.max(0, (a.conusEnd - s) / 18));
  if (cordTaper > 0) {
    const cu = (d - dS) / (3.6 * a.k * cordTaper);
    const cv = x / (4.6 * a.k * cordTaper);
    if (cu * cu + cv * cv <= 1) return TISSUE.CORD;
  }
  if (s > a.conusEnd - 10) {
    const r = 0.55 * a.k;
    for (let j = 0; j < a.roots.length; j += 2) {
      const rx = x - a.roots[j] * axS;
      const rd = d - (dS + a.roots[j + 1] * adS);
      if (rx * rx + rd * rd < r * r) return TISSUE.ROOT;
    }
    const tx = Math.abs(x) - (axS - 2.5);
    const td = d - (dS - adS + 2.2);
    if (tx * tx + td * td < 1.4 * a.k * a.k && s > a.vTop[L3 - 1]) return TISSUE.ROOT;
  }
  return TISSUE.CSF;
}
