/**
 * Codec paths the shared reference files do not cover: grayscale JPEG baseline (every baseline
 * reference file there is colour), our PackBits/RLE decoder's edge cases, and the rescale and
 * MONOCHROME1 options (checked against pydicom's own modality LUT).
 */
import { describe, expect, it } from 'vitest';
import { decodeDicom, encodeDicom, readDicomFile } from '../../lib/dicom/index.js';
import { decodeRleFrame } from '../../lib/dicom/rle.js';
import { pythonReference } from '../helpers/python.js';
import { SHARED, sharedPath } from '../helpers/shared.js';
import { jpegDicom, phantom } from './fixtures.js';

const PYDICOM = pythonReference(['numpy', 'pydicom']);


describe('JPEG baseline / extended 8-bit (libjpeg-turbo)', () => {
  it.each([['1.2.840.10008.1.2.4.50'], ['1.2.840.10008.1.2.4.51']])('decodes a grayscale %s file close to its source', async (syntax) => {
    const w = 96, h = 64;
    const src = phantom(w, h);
    const img = await decodeDicom(await jpegDicom(src, w, h, syntax, 90), 'mem:jpeg');
    expect(img.pixels.shape).toEqual([1, h, w]);
    expect(img.pixels.dtype).toBe('uint8');
    let max = 0, sum = 0;
    for (let i = 0; i < src.length; i++) { const d = Math.abs(img.pixels.data[i] - src[i]); max = Math.max(max, d); sum += d; }
    expect(sum / src.length).toBeLessThan(1.5);
    expect(max).toBeLessThan(16);
    // Quality 100 is near-exact: the decode is the source, not a plausible-looking other image.
    const exact = await decodeDicom(await jpegDicom(src, w, h, syntax, 100), 'mem:jpeg100');
    let max100 = 0;
    for (let i = 0; i < src.length; i++) max100 = Math.max(max100, Math.abs(exact.pixels.data[i] - src[i]));
    expect(max100).toBeLessThanOrEqual(1);
  });
});

describe('RLE (own PackBits decoder)', () => {
  function frame(segments: number[][]): Uint8Array {
    const out = new Uint8Array(64 + segments.reduce((a, s) => a + s.length, 0));
    const v = new DataView(out.buffer);
    v.setUint32(0, segments.length, true);
    let off = 64;
    segments.forEach((s, i) => { v.setUint32(4 + 4 * i, off, true); out.set(s, off); off += s.length; });
    return out;
  }
  it('handles literal runs, replicate runs and the -128 no-op, most significant byte first', () => {
    // High bytes: literal [1,2] then replicate 0x7f ×3; low bytes: no-op, replicate 0x10 ×5.
    const bytes = decodeRleFrame(frame([[1, 1, 2, 0xfe, 0x7f], [0x80, 0xfc, 0x10]]), 5, 2);
    expect(Array.from(new Uint16Array(bytes.buffer))).toEqual([0x0110, 0x0210, 0x7f10, 0x7f10, 0x7f10]);
  });
  it('refuses short segments and wrong segment counts', () => {
    expect(() => decodeRleFrame(frame([[2, 1, 2, 3]]), 5, 1)).toThrow(/decodes to 3 bytes, expected 5/);
    expect(() => decodeRleFrame(frame([[4, 1, 2]]), 5, 1)).toThrow(/decodes to 2 bytes/);
    expect(() => decodeRleFrame(frame([[0, 1]]), 1, 2)).toThrow(/lists 1 segments, expected 2/);
    expect(() => decodeRleFrame(new Uint8Array(10), 1, 1)).toThrow(/no 64-byte header/);
  });
});

describe('stored values by default; rescale and MONOCHROME1 inversion on request', () => {
  const spec = {
    pixels: Uint16Array.from([0, 1, 100, 4095, 2000, 7]), rows: 2, columns: 3, instanceNumber: 1,
    position: [0, 0, 0] as [number, number, number], orientation: [1, 0, 0, 0, 1, 0], pixelSpacing: [1, 1] as [number, number],
    studyInstanceUid: '1.2.3', seriesInstanceUid: '1.2.3.4', bitsStored: 12,
    photometricInterpretation: 'MONOCHROME1' as const, rescaleSlope: 2, rescaleIntercept: -100,
  };
  it('keeps stored values, inverts over the BitsStored range, then rescales', async () => {
    const bytes = encodeDicom(spec);
    const stored = await decodeDicom(bytes, 'mem:m1');
    expect(Array.from(stored.pixels.data)).toEqual([0, 1, 100, 4095, 2000, 7]);
    expect(stored.pixels.dtype).toBe('uint16');
    const inv = await decodeDicom(bytes, 'mem:m1', { invertMonochrome1: true });
    expect(Array.from(inv.pixels.data)).toEqual([4095, 4094, 3995, 0, 2095, 4088]);
    const both = await decodeDicom(bytes, 'mem:m1', { invertMonochrome1: true, rescale: true });
    expect(both.pixels.dtype).toBe('float32');
    expect(Array.from(both.pixels.data)).toEqual([8090, 8088, 7890, -100, 4090, 8076]);
    // MONOCHROME2 images are never inverted.
    const m2 = await decodeDicom(encodeDicom({ ...spec, photometricInterpretation: 'MONOCHROME2' }), 'mem:m2', { invertMonochrome1: true });
    expect(Array.from(m2.pixels.data)).toEqual([0, 1, 100, 4095, 2000, 7]);
  });

  it.skipIf(!SHARED || !PYDICOM.ok)('rescales a real file as pydicom.apply_modality_lut does', async () => {
    const file = sharedPath('dicom', 'nibabel', 'decimal_rescale.dcm');
    const img = await readDicomFile(file, { rescale: true });
    expect(img.header.rescaleSlope).not.toBe(1);
    const out = PYDICOM.run(['-c', [
      'import sys, pydicom, numpy as np',
      'from pydicom.pixel_data_handlers.util import apply_modality_lut',
      'd = pydicom.dcmread(sys.argv[1]); a = apply_modality_lut(d.pixel_array, d).astype(np.float64)',
      'print(a.size, repr(float(a.sum())), repr(float(a.flat[5000])))',
    ].join('\n'), file]);
    const [n, sum, v] = out.trim().split(' ').map(Number);
    const ours = img.pixels.data;
    expect(ours.length).toBe(n);
    expect(ours[5000]).toBeCloseTo(v, 3);
    let s = 0;
    for (const x of ours) s += x;
    expect(s / n).toBeCloseTo(sum / n, 3);
  });
});
