import { describe, expect, it } from 'vitest';
import { keypointGrid } from '../../lib/viz/keypoints.js';

describe('keypointGrid', () => {
  it('draws each present point at u·W, v·H on its own panel, one legend entry per set', () => {
    const image = { data: new Uint8Array(40 * 20), channels: 1, height: 40, width: 20 };
    const truth = [0.5, 0.25, NaN, NaN, 0.5, 0.5, 0.5, 0.75, 0.25, 1];
    const fig = keypointGrid([
      { image, title: 'a', sets: [{ kps: truth, name: 'truth', color: '#0f0' }] },
      { image, title: 'b', sets: [{ kps: truth, name: 'truth', color: '#0f0' }, { kps: Array(10).fill(0.1), name: 'prediction', color: '#f00' }], frame: '#f0f', boxes: [{ x0: 1, y0: 2, x1: 5, y1: 9 }] },
    ]);
    const scatters = fig.data.filter((t) => t.type === 'scatter');
    expect(scatters.length).toBe(3);
    expect(scatters[0].x).toEqual([10, 10, 10, 5]);
    expect(scatters[0].y).toEqual([10, 20, 30, 40]);
    expect(scatters[0].text).toEqual(['L1/L2', 'L3/L4', 'L4/L5', 'L5/S1']);
    expect(scatters.map((s) => s.showlegend)).toEqual([true, false, true]);
    expect(scatters[1].xaxis).toBe('x2');
    const shapes = fig.layout.shapes as Array<Record<string, unknown>>;
    expect(shapes.length).toBe(2); // the box and the frame, both on panel b
    expect(shapes.every((s) => String(s.xref).startsWith('x2'))).toBe(true);
  });
});
