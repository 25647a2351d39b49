/**
 * Affine maps between pixel coordinates, in OpenCV's convention: pixel (row y, column x) has its
 * centre at the point (x, y), so the image covers [−0.5, W − 0.5] × [−0.5, H − 0.5].
 */
import type { Size } from './types.js';

/** A 2×3 matrix [a, b, c, d, e, f]: (x, y) → (a·x + b·y + c, d·x + e·y + f), as cv2's M. */
export type Affine = [number, number, number, number, number, number];

export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (Math.abs(det) < 1e-12) throw new RangeError('invertAffine: singular matrix');
  const ia = e / det, ib = -b / det, id = -d / det, ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

/** `outer ∘ inner`: first `inner`, then `outer`. */
export function composeAffine(outer: Affine, inner: Affine): Affine {
  const [a, b, c, d, e, f] = outer;
  const [p, q, r, s, t, u] = inner;
  return [a * p + b * s, a * q + b * t, a * r + b * u + c, d * p + e * s, d * q + e * t, d * r + e * u + f];
}

/**
 * Where a point of an image of size `from` lands in the same image resized to `to` (cv2.resize's
 * pixel-centre alignment: x' = (x + 0.5)·W'/W − 0.5).
 */
export function resizeMap(from: Size, to: Size): Affine {
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  return [sx, 0, 0.5 * sx - 0.5, 0, sy, 0.5 * sy - 0.5];
}

/** Shift-scale-rotate draw, albumentations' parameters: degrees, a scale factor, shifts as fractions of the size. */
export interface ShiftScaleRotate {
  /** Degrees, counter-clockwise on screen for a positive angle (cv2.getRotationMatrix2D). */
  angle: number;
  scale: number;
  /** Shift as a fraction of the width (dx) and of the height (dy). */
  dx: number;
  dy: number;
}

/**
 * albumentations 1.3.1 `shift_scale_rotate` on an image: cv2.getRotationMatrix2D about the image's
 * centre in pixel-centre coordinates (W/2 − 0.5, H/2 − 0.5), then a shift of (dx·W, dy·H).
 * 90° is np.rot90 exactly.
 * Porting note: albumentations moves KEYPOINTS with a matrix about (W/2, H/2), half a pixel off the
 * image's; we move keypoints with this same matrix, so they stay on the pixels they mark.
 */
export function shiftScaleRotateMatrix(size: Size, p: ShiftScaleRotate): Affine {
  const cx = size.width / 2 - 0.5;
  const cy = size.height / 2 - 0.5;
  const t = (p.angle * Math.PI) / 180;
  const al = p.scale * Math.cos(t);
  const be = p.scale * Math.sin(t);
  return [al, be, (1 - al) * cx - be * cy + p.dx * size.width, -be, al, be * cx + (1 - al) * cy + p.dy * size.height];
}

/** The affine map taking three source points to three destination points (cv2.getAffineTransform). */
export function affineFromPoints(src: [number, number][], dst: [number, number][]): Affine {
  const [[x0, y0], [x1, y1], [x2, y2]] = src;
  const det = x0 * (y1 - y2) + x1 * (y2 - y0) + x2 * (y0 - y1);
  if (Math.abs(det) < 1e-12) throw new RangeError('affineFromPoints: collinear points');
  const solve = (t0: number, t1: number, t2: number): [number, number, number] => [
    (t0 * (y1 - y2) + t1 * (y2 - y0) + t2 * (y0 - y1)) / det,
    (t0 * (x2 - x1) + t1 * (x0 - x2) + t2 * (x1 - x0)) / det,
    (t0 * (x1 * y2 - x2 * y1) + t1 * (x2 * y0 - x0 * y2) + t2 * (x0 * y1 - x1 * y0)) / det,
  ];
  const [a, b, c] = solve(dst[0][0], dst[1][0], dst[2][0]);
  const [d, e, f] = solve(dst[0][1], dst[1][1], dst[2][1]);
  return [a, b, c, d, e, f];
}
