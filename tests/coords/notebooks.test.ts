import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareSplit } from '../../lib/prepare/index.js';
import { generateDataset } from '../../lib/synth/generate.js';
import { runNotebooks } from '../../lib/pipeline/runner/run.js';
import { outputText, readNotebook } from '../../lib/pipeline/runner/nbformat.js';

/**
 * 02_Coords and 03_CoordsInf run headless (Python-free runner, tslab kernel) with the tiny preset
 * on a freshly prepared synthetic split, and produce what they announce.
 */
describe('Coords notebooks', () => {
  const root = mkdtempSync(join(tmpdir(), 'coords-nb-'));
  const input = join(root, 'input');
  const out = join(root, 'output');
  let result: Awaited<ReturnType<typeof runNotebooks>>;

  beforeAll(async () => {
    await generateDataset({ out: input, size: 'tiny', studies: 6, testStudies: 1, seed: 5 });
    await prepareSplit({ input, split: 'train', out: join(out, 'prepared', 'train'), workers: 0 });
    result = await runNotebooks({
      names: ['02_Coords', '03_CoordsInf'], outDir: join(out, 'notebooks'),
      env: { SPINELAB_INPUT: input, SPINELAB_OUTPUT: out, SPINELAB_PRESET: 'tiny' },
    });
  }, 600_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('execute every cell', () => {
    const failure = result.runs.find((r) => !r.ok)?.failure;
    expect(failure?.stderr ?? '').toBe('');
    expect(result.runs.map((r) => r.ok)).toEqual([true, true]);
  });

  it('show the per-fold errors, then write both crop sets and show them', () => {
    // Stream text and the text/plain form of every display (tables, figure summaries).
    const text = (i: number) => readNotebook(result.runs[i].out).cells.flatMap((c) => c.outputs ?? [])
      .map((o) => `${outputText(o)}${String(o.data?.['text/plain'] ?? '')}`).join('\n');
    expect(text(0)).toMatch(/Per fold/);
    // The configuration table names the backbone, its size and that it starts from random weights.
    expect(text(0)).toMatch(/residual CNN "tiny"/);
    expect(text(0)).toMatch(/no \(random init\)/);
    expect(text(0)).toMatch(/OOF Sagittal T2\/STIR/);
    expect(text(1)).toMatch(/predicted\s+\d+\s+\d+/);
    for (const set of ['predicted', 'fixed']) expect(existsSync(join(out, 'crops', set, 'crops.csv'))).toBe(true);
    expect(existsSync(join(out, 'models', 'coords', 'series_coords.csv'))).toBe(true);
  });
});
