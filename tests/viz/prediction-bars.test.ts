import { expect, it } from 'vitest';
import { CLASS_COLORS, predictionBars, TARGET_LABELS } from '../../lib/viz/index.js';

it('predictionBars: one stacked bar per target, one trace per severity holding its column of the 25 × 3 probabilities', () => {
  const probs = Float64Array.from({ length: 75 }, (_, i) => i / 100);
  const fig = predictionBars(probs, { title: 'study 1' });
  expect(TARGET_LABELS[0]).toBe('SCS L1/L2');
  expect(TARGET_LABELS[24]).toBe('R-SS L5/S1');
  expect(fig.layout.barmode).toBe('stack');
  expect(fig.data.map((t) => [t.name, (t.marker as { color: string }).color])).toEqual([['Normal/Mild', CLASS_COLORS[0]], ['Moderate', CLASS_COLORS[1]], ['Severe', CLASS_COLORS[2]]]);
  for (const [k, t] of fig.data.entries()) {
    expect(t.x).toEqual([...TARGET_LABELS]);
    expect(t.y).toEqual(Array.from({ length: 25 }, (_, j) => probs[3 * j + k]));
  }
  expect(() => predictionBars(new Float64Array(72))).toThrow(/expected 75 probabilities, got 72/);
});
