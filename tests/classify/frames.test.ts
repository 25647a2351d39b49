import { describe, expect, it } from 'vitest';
import { centreSlice, frameIndices, gatherChannels, jitterLimit, scaleStackTo8Bit } from '../../lib/classify/frames.js';

/** Frames as triples, for comparison with the table of docs/porting.md §5.2. */
function triples(L: number, n: number, jitter = 0): number[][] {
  const idx = Array.from(frameIndices(L, n, jitter));
  return Array.from({ length: n }, (_, f) => idx.slice(3 * f, 3 * f + 3));
}
const run = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => [a + i - 1, a + i, a + i + 1]);

describe('frame selection (worked examples of §5.2, validation: centre = 4·L//8)', () => {
  // L = 8, n = 13: centre 4, base −2..10 → triples (−3..−1)…(9..11); lowest −3 < 0 → shift +3 →
  // (0,1,2)…(12,13,14); clip to 7 → (0,1,2)…(5,6,7),(6,7,7) then six (7,7,7).
  it('L = 8', () => {
    expect(triples(8, 13)).toEqual([...run(1, 6), [6, 7, 7], ...Array(6).fill([7, 7, 7])]);
    expect(triples(8, 5)).toEqual(run(2, 6)); // (1,2,3)…(5,6,7)
    expect(triples(8, 3)).toEqual([[2, 3, 4], [3, 4, 5], [4, 5, 6]]);
  });
  it('L = 15', () => {
    expect(triples(15, 13)).toEqual(run(1, 13)); // (0,1,2)…(12,13,14)
    expect(triples(15, 5)).toEqual(run(5, 9)); // (4,5,6)…(8,9,10)
    expect(triples(15, 3)).toEqual([[5, 6, 7], [6, 7, 8], [7, 8, 9]]);
  });
  it('L = 17', () => {
    expect(triples(17, 13)).toEqual(run(2, 14)); // (1,2,3)…(13,14,15)
    expect(triples(17, 5)).toEqual(run(6, 10)); // (5,6,7)…(9,10,11)
    expect(triples(17, 3)).toEqual([[6, 7, 8], [7, 8, 9], [8, 9, 10]]);
  });
  it('L = 20', () => {
    expect(triples(20, 13)).toEqual(run(4, 16)); // (3,4,5)…(15,16,17)
    expect(triples(20, 5)).toEqual(run(8, 12)); // (7,8,9)…(11,12,13)
    expect(triples(20, 3)).toEqual([[8, 9, 10], [9, 10, 11], [10, 11, 12]]);
  });

  it('shifts down when only the top overflows, and a jitter moves the window', () => {
    // L = 10, n = 5, jitter +2: centre 7, base 5..9 → triples up to (8,9,10): shift −1 → (3,4,5)…(7,8,9).
    expect(triples(10, 5, 2)).toEqual(run(4, 8));
    // jitter −2: centre 3, base 1..5 → (0,1,2)…(4,5,6), no shift.
    expect(triples(10, 5, -2)).toEqual(run(1, 5));
  });

  it('single-slice stacks repeat that slice', () => {
    expect(triples(1, 3)).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
  });

  it('centre and jitter limits follow the reference', () => {
    expect([8, 15, 17, 20].map(centreSlice)).toEqual([4, 7, 8, 10]);
    expect([1, 3, 5, 13].map(jitterLimit)).toEqual([1, 1, 2, 2]);
  });
});

describe('8-bit scaling of a crop', () => {
  it('min–max scales the whole 3-D crop and truncates', () => {
    // values 100..355 over 2 slices; (v − 100)·255/255 → v − 100, so 355 → 255, 227.9 would truncate.
    const data = new Int16Array(2 * 2 * 2);
    [100, 150, 200, 355, 227, 101, 300, 100].forEach((v, i) => (data[i] = v));
    const s = scaleStackTo8Bit({ data, shape: [2, 2, 2], dtype: 'int16' });
    expect(Array.from(s.data)).toEqual([0, 50, 100, 255, 127, 1, 200, 0]);
    // Non-integer scale: range 0..1000, 500 → 127.5 → 127.
    const t = scaleStackTo8Bit({ data: new Uint16Array([0, 500, 1000, 999]), shape: [1, 2, 2], dtype: 'uint16' });
    expect(Array.from(t.data)).toEqual([0, 127, 255, 254]);
  });

  it('a constant crop becomes zeros, a 2-D array is rejected with the file name', () => {
    const s = scaleStackTo8Bit({ data: new Uint16Array(8).fill(7), shape: [2, 2, 2], dtype: 'uint16' });
    expect(Array.from(s.data)).toEqual(new Array(8).fill(0));
    expect(() => scaleStackTo8Bit({ data: new Uint16Array(4), shape: [2, 2], dtype: 'uint16' }, 'a.npy')).toThrow(/a\.npy.*3-D/);
  });

  it('gathers slices into planar channels in [0, 1]', () => {
    const stack = { data: Uint8Array.from([0, 0, 0, 0, 255, 255, 255, 255, 51, 51, 51, 51]), slices: 3, height: 2, width: 2 };
    const g = gatherChannels(stack, Int32Array.from([2, 1, 1]));
    expect(Array.from(g)).toEqual(Array.from(Float32Array.from([0.2, 0.2, 0.2, 0.2, 1, 1, 1, 1, 1, 1, 1, 1])));
  });
});
