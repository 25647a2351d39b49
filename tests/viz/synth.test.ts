import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { spiderPanel, synthStudyPanels, synthVsSpiderFigure } from '../../lib/viz/synth.js';
import { SHARED, sharedPath } from '../helpers/shared.js';

describe('synthetic vs SPIDER figure', () => {
  it('shows the three reading slices of a synthetic study with their label points', () => {
    const panels = synthStudyPanels({ size: 'tiny', seed: 3, study: 3, level: 3 });
    expect(panels.map((p) => p.title.split(' (')[0])).toEqual([
      expect.stringMatching(/^Synthetic (T2|STIR) mid-sagittal, SCS$/), 'Synthetic T1 left parasagittal, NFN', 'Synthetic axial T2, SS',
    ]);
    for (const p of panels) {
      const d = p.image.data as Uint16Array;
      let hi = 0;
      let atHi = 0;
      for (const v of d) hi = Math.max(hi, v);
      for (const v of d) if (v === hi) atHi++;
      // Crosses are burned in at the image maximum: many pixels, where noise alone gives a handful.
      expect(atHi).toBeGreaterThan(8);
      expect(p.title).toMatch(/L4\/L5: (Normal\/Mild|Moderate|Severe)\)$/);
    }
  });

  it.skipIf(!SHARED)('adds a real SPIDER slice turned head-up, credited in its title', () => {
    const panel = spiderPanel('10015_8.png')!;
    const png = PNG.sync.read(readFileSync(sharedPath('spider-lumbar', 'images', '10015_8.png')));
    const [rows, cols] = panel.image.shape;
    expect([rows, cols]).toEqual([png.height, png.width]);
    for (let c = 0; c < cols; c += 7) expect(panel.image.data[c]).toBe(png.data[((png.height - 1) * png.width + c) * 4]);
    expect(panel.title).toMatch(/SPIDER.*CC BY 4\.0/);
    const fig = synthVsSpiderFigure({ size: 'tiny', seed: 3, study: 3 });
    expect(fig.data).toHaveLength(4);
    expect(fig.data.every((t) => t.type === 'image')).toBe(true);
    expect(JSON.stringify(fig.layout.title)).toMatch(/SPIDER/);
  });
});
