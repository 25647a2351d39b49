import { describe, expect, it } from 'vitest';
import { pickSlices, sliceViewer } from '../../lib/viz/slices.js';
import { demoStack } from '../../lib/viz/demo.js';
import { figureBundle } from '../../lib/notebook/display.js';
import { Rng } from '../../lib/core/rng.js';
import type { NdArray } from '../../lib/core/npy.js';
import { dataUriToPng, decodePngsWithPython, HAS_PYTHON } from './png-reference.js';

type Step = { label: string; args: [{ visible: boolean[] }, { shapes: { x0: number }[]; 'title.text': string }] };
const stepsOf = (fig: ReturnType<typeof sliceViewer>) => (fig.layout.sliders as { steps: Step[] }[])[0].steps;

describe('pickSlices', () => {
  it('keeps every slice of a short stack', () => {
    expect(pickSlices(5, 24, [])).toEqual([0, 1, 2, 3, 4]);
  });
  it('spreads a long stack evenly and always keeps marked slices', () => {
    const s = pickSlices(100, 10, [37, 38]);
    expect(s.length).toBeLessThanOrEqual(10);
    expect(s).toContain(37);
    expect(s).toContain(38);
    expect(s[0]).toBe(0);
    expect(s[s.length - 1]).toBe(99);
  });
});

describe('sliceViewer', () => {
  const { stack, points, boxes } = demoStack(0, 9, 64);
  const extra = [{ x: 10, y: 12, z: 2, label: 'other', condition: 3 }];
  const fig = sliceViewer(stack, { points: [...points, ...extra], boxes, title: 'T', spacing: [0.5, 0.6] });

  it('one image per slice, one landmark trace per marked slice, one image visible per step', () => {
    const images = fig.data.filter((t) => t.type === 'image');
    const marks = fig.data.filter((t) => t.type === 'scatter');
    expect(images).toHaveLength(9);
    expect(marks).toHaveLength(2); // slices 2 and 4 (mid)
    for (const step of stepsOf(fig)) {
      const vis = step.args[0].visible;
      const z = Number(step.label);
      expect(vis.slice(0, 9).filter(Boolean)).toHaveLength(1);
      expect(vis[z]).toBe(true);
      // landmarks shown exactly on their own slice
      marks.forEach((m, k) => expect(vis[9 + k]).toBe(String(m.name) === `landmarks z=${z}`));
      // boxes only on the mid slice (4)
      expect(step.args[1].shapes).toHaveLength(z === 4 ? 5 : 0);
      expect(step.args[1]['title.text']).toContain(`slice ${z} of 0–8`);
    }
  });

  it('starts on the first marked slice with its marks visible', () => {
    const initial = fig.data.findIndex((t) => t.type === 'image' && t.visible);
    expect(initial).toBe(2);
    expect(fig.data.find((t) => t.name === 'landmarks z=2')!.visible).toBe(true);
    expect(fig.data.find((t) => t.name === 'landmarks z=4')!.visible).toBe(false);
  });

  it('hover names x, y, z and value, with mm when spacing is given', () => {
    const ht = String(fig.data[3].hovertemplate);
    expect(ht).toMatch(/x %\{x:\.0f\} px, y %\{y:\.0f\} px, z 3/);
    expect(ht).toContain('value %{color[0]}');
    expect(ht).toContain('·0.6');
  });

  it('landmark colour follows the condition palette', () => {
    const m = fig.data.find((t) => t.name === 'landmarks z=2')! as unknown as { marker: { color: string[] } };
    expect(m.marker.color).toEqual(['#9467bd']);
  });

  it('keeps original pixel axes when downsampling a large stack', () => {
    const big: NdArray = { data: new Float32Array(3 * 300 * 500), shape: [3, 300, 500], dtype: 'float32' };
    const f = sliceViewer(big, { maxSize: 256, window: { lo: 0, hi: 1 } });
    const img = f.data[0] as unknown as { dx: number; x0: number };
    expect(img.dx).toBe(2);
    expect(img.x0).toBe(0.5);
    expect((f.layout.xaxis as { range: number[] }).range).toEqual([-0.5, 499.5]);
    expect((f.layout.yaxis as { range: number[] }).range).toEqual([299.5, -0.5]);
  });

  it.skipIf(!HAS_PYTHON)('embeds the windowed slice as PNG pixels', () => {
    const data = Float32Array.from({ length: 2 * 4 * 5 }, (_, i) => i);
    const f = sliceViewer({ data, shape: [2, 4, 5], dtype: 'float32' }, { window: { lo: 20, hi: 39 } });
    const [s0, s1] = decodePngsWithPython(f.data.map((t) => dataUriToPng(String(t.source))));
    expect([s1.width, s1.height]).toEqual([5, 4]);
    expect(s0.data.every((v) => v === 0)).toBe(true); // slice 0 (0..19) is below the window
    expect(s1.data).toEqual(Array.from({ length: 20 }, (_, i) => Math.round((i * 255) / 19)));
  });

  it('a dozen viewers of noisy 384² stacks stay a few MB in a notebook', () => {
    const rng = new Rng(1);
    const depth = 15;
    const size = 384;
    const data = new Float32Array(depth * size * size);
    // smooth anatomy-like structure plus noise (pure noise would be the PNG worst case)
    for (let i = 0; i < data.length; i++) {
      const x = i % size;
      const y = Math.floor(i / size) % size;
      data[i] = 200 + 150 * Math.sin(x / 17) * Math.cos(y / 23) + rng.normal(0, 15);
    }
    const bundle = figureBundle(sliceViewer({ data, shape: [depth, size, size], dtype: 'float32' }));
    const bytes = JSON.stringify(bundle).length;
    expect(12 * bytes).toBeLessThan(7e6);
    // the plotly JSON copy (which would double it) is left out for image-heavy figures
    expect(Object.keys(bundle).sort()).toEqual(['text/html', 'text/plain']);
  });

  it('wraps a title longer than the figure instead of letting plotly clip both ends', () => {
    const long = 'Study 4003253, Sagittal T2/STIR (series 1525089795): 16 × 256 × 256, 5 landmarks';
    const wide = sliceViewer(stack, { title: long, width: 1200 });
    const narrow = sliceViewer(stack, { title: long, width: 400 });
    const titleOf = (f: ReturnType<typeof sliceViewer>) => (f.layout.title as { text: string }).text;
    expect(titleOf(wide).split('<br>')[0]).toBe(long);
    const lines = titleOf(narrow).split('<br>').filter((l) => !l.startsWith('<sub>'));
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join(' ')).toBe(long); // nothing lost, only line breaks added
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(40);
    // the slider keeps the wrapped title and the top margin grows with it
    expect(stepsOf(narrow)[0].args[1]['title.text'].startsWith(lines.join('<br>'))).toBe(true);
    const top = (f: ReturnType<typeof sliceViewer>) => (f.layout.margin as { t: number }).t;
    expect(top(narrow)).toBeGreaterThan(top(wide));
  });

  it('rejects a 2-D array with a clear message', () => {
    expect(() => sliceViewer({ data: new Float32Array(4), shape: [2, 2], dtype: 'float32' })).toThrow(/slices × rows × cols/);
  });
});
