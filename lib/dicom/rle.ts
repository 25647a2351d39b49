/**
 * DICOM RLE Lossless (PS3.5 Annex G), written here because no maintained standalone npm package
 * decodes it. A frame is a 64-byte header (segment count + 15 offsets, uint32 LE) followed by one
 * PackBits segment per byte plane, most significant byte first.
 */

/**
 * Decode one grayscale RLE frame of `nPixels` samples of `bytesPerSample` bytes into little-endian
 * bytes (the layout of native pixel data). Throws a plain Error; the caller adds the file name.
 */
export function decodeRleFrame(frame: Uint8Array, nPixels: number, bytesPerSample: number): Uint8Array {
  if (frame.length < 64) throw new Error(`RLE frame of ${frame.length} bytes has no 64-byte header`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const nSegments = view.getUint32(0, true);
  if (nSegments !== bytesPerSample) {
    throw new Error(`RLE header lists ${nSegments} segments, expected ${bytesPerSample} for one sample of ${bytesPerSample} byte(s)`);
  }
  const out = new Uint8Array(nPixels * bytesPerSample);
  for (let s = 0; s < nSegments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < nSegments ? view.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || start > end || end > frame.length) throw new Error(`RLE segment ${s} offsets ${start}..${end} are outside the frame (${frame.length} bytes)`);
    // Segment s holds byte (bytesPerSample - 1 - s) of each little-endian sample.
    const written = unpackBits(frame, start, end, out, bytesPerSample - 1 - s, bytesPerSample, nPixels);
    if (written < nPixels) throw new Error(`RLE segment ${s} decodes to ${written} bytes, expected ${nPixels}`);
  }
  return out;
}

/** PackBits into every `stride`-th byte of `out` from `offset`; returns the bytes produced (capped at n). */
function unpackBits(src: Uint8Array, pos: number, end: number, out: Uint8Array, offset: number, stride: number, n: number): number {
  let i = 0;
  while (pos < end && i < n) {
    const h = src[pos++];
    if (h < 128) {
      // Literal run of h + 1 bytes.
      const count = Math.min(h + 1, n - i, end - pos);
      for (let k = 0; k < count; k++) out[offset + (i++) * stride] = src[pos++];
      if (count < h + 1 && i < n) return i;
    } else if (h > 128) {
      // Replicate the next byte 257 - h times.
      if (pos >= end) return i;
      const v = src[pos++];
      const count = Math.min(257 - h, n - i);
      for (let k = 0; k < count; k++) out[offset + (i++) * stride] = v;
    }
    // h === 128 is a no-op.
  }
  return i;
}
