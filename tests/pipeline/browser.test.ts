import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { outputDir } from '../../lib/core/paths.js';
import { checkHtmlInBrowser, hasChromium, pageProblems, CHROMIUM } from '../../lib/pipeline/browser.js';
import { buildReport, hasNbconvert } from '../../lib/pipeline/report.js';
import { runNotebooks } from '../../lib/pipeline/runner/run.js';
import { outputText, readNotebook, type Notebook } from '../../lib/pipeline/runner/nbformat.js';

/**
 * The smoke notebook executed by the Python-free runner, exported to HTML (nbconvert and the
 * built-in renderer), opened in headless Chromium: every figure must be drawn by plotly with
 * the traces its spec has, without JavaScript errors. Screenshots go to output/browser/.
 */
const SKIP = hasChromium() ? '' : `skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`;
if (SKIP) console.warn(`[spinelab tests] browser test ${SKIP}`);

const dir = join(outputDir(), 'browser');

/** div id → trace types, read back from each figure's HTML output. */
function expectedFigures(nb: Notebook): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const o of nb.cells.flatMap((c) => c.outputs ?? [])) {
    const html = [o.data?.['text/html'] ?? ''].flat().join('');
    const id = /<div id="([^"]+)" class="spinelab-plot"/.exec(html);
    const fig = /var fig = (.*);\n/.exec(html);
    if (id && fig) out.set(id[1], (JSON.parse(fig[1]).data as { type: string }[]).map((t) => t.type));
  }
  return out;
}

let nbFile = '';
let expected = new Map<string, string[]>();

// The Python-free runner executes the smoke notebook (always, Chromium or not).
beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  const res = await runNotebooks({ names: ['00_Smoke'], outDir: join(dir, 'notebooks'), env: { SPINELAB_PRESET: 'tiny' } });
  if (!res.ok) throw new Error(`smoke notebook failed:\n${res.runs[0].failure?.stderr}`);
  nbFile = res.runs[0].out;
  expected = expectedFigures(readNotebook(nbFile));
});

it('the Python-free runner executes the smoke notebook: backend line, every figure, no stderr', () => {
  const nb = readNotebook(nbFile);
  const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
  expect(outputs.filter((o) => o.name === 'stderr').map(outputText)).toEqual([]);
  expect(outputs.map(outputText).join('')).toMatch(/^preset tiny\ntfjs \d+\.\d+\.\d+ on (wasm|cpu|tensorflow) \(/);
  expect(expected.size).toBe(10);
  expect([...expected.values()].map((t) => t[0])).toEqual(['image', 'image', 'image', 'scatter', 'heatmap', 'heatmap', 'scatter', 'histogram', 'bar', 'bar']);
  // the live progress display ends at 100 %
  expect(outputs.some((o) => /^fake training: steps 20\/20 \(100%\)/.test(String(o.data?.['text/plain'] ?? '')))).toBe(true);
});

describe.skipIf(!!SKIP)('notebook figures in headless Chromium', () => {
  const renderers = [...(hasNbconvert() ? (['nbconvert'] as const) : []), 'node' as const];
  it.each(renderers)('every figure renders with its traces (%s export)', async (renderer) => {
    const html = join(dir, `00_Smoke.${renderer}.html`);
    buildReport([nbFile], html, { renderer, title: 'spinelab smoke' });
    const page = await checkHtmlInBrowser(html, {
      screenshot: join(dir, `00_Smoke.${renderer}.png`),
      plotShotsDir: renderer === 'nbconvert' ? join(dir, 'plots') : undefined,
    });
    expect(pageProblems(page)).toEqual([]);
    expect(page.errors).toEqual([]);
    expect(page.plots.map((p) => p.id).sort()).toEqual([...expected.keys()].sort());
    for (const p of page.plots) {
      const types = expected.get(p.id)!;
      expect(p.rendered, p.id).toBe(true);
      expect(p.svg, p.id).toBe(true);
      expect(p.types, p.id).toEqual(types);
      if (types.includes('image')) expect(p.images, `${p.id} draws its PNG slices`).toBeGreaterThan(0);
      expect(p.width * p.height, `${p.id} has a size`).toBeGreaterThan(100 * 100);
    }
    expect(page.screenshot).toBeTruthy();
  });
});
