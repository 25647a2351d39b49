/**
 * The one image type of the library and its size.
 *
 * Planar (channel-major) layout, `data[c·H·W + y·W + x]`: the hot paths want it. The fused
 * warp + resize computes one set of bilinear weights per output pixel and reuses it for every
 * channel; the filters run row by row over one contiguous plane; a coordinates image is one plane.
 * Channels-last data exists only at the edges (PNG encoding, NHWC tensors): `fromInterleaved` /
 * `toInterleaved` convert there.
 */

/** Height and width in pixels (always this order, always named). */
export interface Size {
  height: number;
  width: number;
}

/**
 * An image: `channels` planes of height × width in row-major order. Kernels return float images
 * (`Float32Array`, intensities in [0, 1] unless said otherwise); inputs may be any numeric array
 * (8-bit PNG pixels, a view into a .npy stack).
 */
export interface Image<T extends ArrayLike<number> = Float32Array> extends Size {
  data: T;
  channels: number;
}

/** Throws unless `data` holds exactly channels × height × width values. */
export function checkImage(img: Image<ArrayLike<number>>, what = 'image'): void {
  const { channels, height, width } = img;
  if (!(channels >= 1 && height >= 1 && width >= 1) || img.data.length !== channels * height * width) {
    throw new RangeError(`${what}: ${img.data.length} values for ${channels} × ${height} × ${width}`);
  }
}

/** Planar copy of channels-last data (height × width × channels). */
export function fromInterleaved<T extends ArrayLike<number>>(data: T, size: Size, channels: number): Image {
  const plane = size.height * size.width;
  const out = new Float32Array(data.length);
  for (let c = 0; c < channels; c++) for (let i = 0; i < plane; i++) out[c * plane + i] = data[i * channels + c];
  const img = { data: out, channels, height: size.height, width: size.width };
  checkImage(img, 'fromInterleaved');
  return img;
}

/**
 * Channels-last copy (height × width × channels) of `channels` planes starting at `first`, written
 * into `out` at `offset` (e.g. one 3-channel frame of a 3·n-channel sample into an NHWC batch).
 */
export function toInterleaved<T extends { [i: number]: number; length: number }>(
  img: Image<ArrayLike<number>>, out: T, offset = 0, first = 0, channels = img.channels,
): T {
  const plane = img.height * img.width;
  for (let c = 0; c < channels; c++) {
    const base = (first + c) * plane;
    for (let i = 0; i < plane; i++) out[offset + i * channels + c] = img.data[base + i];
  }
  return out;
}
