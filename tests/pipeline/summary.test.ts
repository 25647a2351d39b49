import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectSummary } from '../../lib/pipeline/summary.js';

const root = mkdtempSync(join(tmpdir(), 'spinelab-summary-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function summaryOf(files: Record<string, unknown>) {
  const dir = mkdtempSync(join(root, 'run-'));
  for (const [rel, value] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), JSON.stringify(value));
  }
  return collectSummary({
    preset: 'tiny', input: join(dir, 'input'), output: join(dir, 'output'), synthetic: true, backend: 'cpu',
    timings: [{ stage: 'a', seconds: 1.25, skipped: false }, { stage: 'b', seconds: 0, skipped: true }], reportFile: 'r.html', notebooks: [],
  });
}

describe('summary.json', () => {
  it('keeps the test score, prior and floor, and the share of the gap between them that the score closes', () => {
    const s = summaryOf({
      'input/truth/bounds.json': { test: { prior: { score: 0.8 }, floor: { score: 0.3 } } },
      'output/inference/result.json': { eval: { score: 0.6 }, studies: 40, fallbacks: [] },
    });
    expect(s.test).toEqual({ score: 0.6, prior: 0.8, floor: 0.3, gapClosed: expect.closeTo(0.4, 12), studies: 40, fallbacks: 0 });
    expect(s.totalSeconds).toBe(1.3);
  });

  it('has no gap without the synthetic bounds (competition data), and no score without inference', () => {
    expect(summaryOf({ 'output/inference/result.json': { eval: { score: 0.6 }, studies: 3 } }).test)
      .toMatchObject({ score: 0.6, prior: null, floor: null, gapClosed: null });
    expect(summaryOf({ 'input/truth/bounds.json': { test: { prior: { score: 0.8 }, floor: { score: 0.3 } } } }).test)
      .toMatchObject({ score: null, prior: 0.8, gapClosed: null });
  });
});
