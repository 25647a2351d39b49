/**
 * Geometric warps: cv2.warpAffine (bilinear, BORDER_REFLECT_101), fused with an elastic
 * displacement and the final resize into ONE bilinear resampling.
 */
import { reflect101 } from './border.js';
import { invertAffine, type Affine } from './geometry.js';
import { resize } from './resize.js';
import { checkImage, type Image, type Size } from './types.js';

/**
 * A spatial warp, its stages in the order albumentations applies them to the image:
 * shift-scale-rotate `ssr` (reflect-101 border), an elastic stage (affine `elastic`, then the
 * per-pixel displacement `disp`, constant-0 border), then the resize to the output size. Each
 * matrix maps its stage's INPUT to its OUTPUT pixel coordinates at the input size, as cv2.warpAffine's M.
 */
export interface Warp {
  ssr?: Affine;
  elastic?: Affine;
  /** Displacement field at the input size: dx then dy planes, each height × width (cv2.remap offsets). */
  disp?: Float32Array;
}

/**
 * Resample every channel of `img` to `size` through `warp` with one bilinear interpolation: for
 * each output pixel centre, the resize's inverse (pixel centres aligned), then `disp`, `elastic`⁻¹
 * and `ssr`⁻¹ give the source point, read with BORDER_REFLECT_101. With no warp this is
 * cv2.resize(INTER_LINEAR); with only `ssr` and the input size it is cv2.warpAffine.
 * Porting note: the reference interpolates once per albumentations step (SSR, elastic, resize);
 * composing the maps first blurs less and costs less.
 */
export function warpResize(img: Image, size: Size, warp: Warp = {}): Image {
  if (!warp.ssr && !warp.elastic && !warp.disp) return resize(img, size, 'linear');
  checkImage(img, 'warpResize');
  const { channels: C, height: H, width: W } = img;
  const { height: outH, width: outW } = size;
  const plane = H * W;
  const outPlane = outH * outW;
  const out = new Float32Array(C * outPlane);
  const ssrInv = warp.ssr ? invertAffine(warp.ssr) : null;
  const elInv = warp.elastic ? invertAffine(warp.elastic) : null;
  const disp = warp.disp;
  if (disp && disp.length !== 2 * plane) throw new RangeError(`warpResize: displacement holds ${disp.length} values, need 2 × ${H} × ${W}`);
  const sx = W / outW;
  const sy = H / outH;
  const d = img.data;
  for (let v = 0; v < outH; v++) {
    for (let u = 0; u < outW; u++) {
      // Output pixel → its point in the augmented input-size image.
      let x = (u + 0.5) * sx - 0.5;
      let y = (v + 0.5) * sy - 0.5;
      if (disp) {
        const xi = Math.min(W - 1, Math.max(0, Math.round(x)));
        const yi = Math.min(H - 1, Math.max(0, Math.round(y)));
        x += disp[yi * W + xi];
        y += disp[plane + yi * W + xi];
      }
      if (elInv) {
        const ex = elInv[0] * x + elInv[1] * y + elInv[2];
        const ey = elInv[3] * x + elInv[4] * y + elInv[5];
        // Constant-0 border of the elastic stage: `out` is already 0 there.
        if (ex < -0.5 || ey < -0.5 || ex > W - 0.5 || ey > H - 0.5) continue;
        x = ex;
        y = ey;
      }
      if (ssrInv) {
        const rx = ssrInv[0] * x + ssrInv[1] * y + ssrInv[2];
        y = ssrInv[3] * x + ssrInv[4] * y + ssrInv[5];
        x = rx;
      }
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      const xa = reflect101(x0, W), xb = reflect101(x0 + 1, W);
      const ya = reflect101(y0, H) * W, yb = reflect101(y0 + 1, H) * W;
      const i00 = ya + xa, i01 = ya + xb, i10 = yb + xa, i11 = yb + xb;
      const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
      const o = v * outW + u;
      for (let c = 0, base = 0; c < C; c++, base += plane) {
        out[c * outPlane + o] = w00 * d[base + i00] + w01 * d[base + i01] + w10 * d[base + i10] + w11 * d[base + i11];
      }
    }
  }
  return { data: out, channels: C, height: outH, width: outW };
}

/** cv2.warpAffine(img, m, dsize = its size, INTER_LINEAR, BORDER_REFLECT_101). */
export function warpAffine(img: Image, m: Affine): Image {
  return warpResize(img, img, { ssr: m });
}
