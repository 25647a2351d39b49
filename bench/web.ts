/**
 * The web page against Node on the same studies, in the same run: the site's size, the page's load
 * time (script + models + WASM) and its time per study in headless Chromium, next to the same
 * functions (lib/web/study.ts, lib/web/infer.ts) run in Node on the WASM backend; and the largest
 * difference between the page's probabilities and the run's submission (`spinelab infer`).
 *
 *   node --import tsx bench/web.ts --models DIR --input DIR [--studies N] [--json]
 *
 * `--models` is a finished main job's output (models/, submission.csv), `--input` its input. The page
 * gets the studies one after the other (one tab); per-study times leave the first study out (WASM
 * compilation, JIT), in Node after a warm-up pass on it.
 */
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSite, checkSiteStudies, disposeRun, isSagittal, loadRun, predictStudy, readStudy } from '../lib/web/index.js';
import { studyFiles } from '../tests/web/fixtures.js';

const args = process.argv.slice(2);
const arg = (k: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
const models = resolve(arg('--models') ?? 'output');
const input = resolve(arg('--input') ?? 'input');
const n = Math.max(2, Number(arg('--studies') ?? 5));

const site = await buildSite({ models, out: join(mkdtempSync(join(tmpdir(), 'spinelab-bench-web-')), 'site') });
const page = await checkSiteStudies({ site: site.out, input, submission: join(models, 'submission.csv'), maxStudies: n });

const run = await loadRun(models, { input });
const images = join(input, 'test_images');
const node: Array<{ study: number; read: number; infer: number }> = [];
const folders = readdirSync(images).filter((d) => statSync(join(images, d)).isDirectory()).sort((a, b) => Number(a) - Number(b)).slice(0, n);
for (const [i, s] of [folders[0], ...folders].entries()) {
  const t0 = performance.now();
  const study = await readStudy(studyFiles(join(images, s)));
  const t1 = performance.now();
  await predictStudy(run.models, study.studyId, study.series.flatMap((x) => (x.stack && isSagittal(x.description) ? [{ seriesId: x.seriesId, description: x.description, stack: x.stack.pixels }] : [])));
  if (i > 1) node.push({ study: Number(s), read: (t1 - t0) / 1000, infer: (performance.now() - t1) / 1000 }); // warm-up pass and first study left out
}
disposeRun(run);

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const summary = {
  site: { bytes: site.siteBytes, bundleBytes: site.bundleBytes, files: site.files, libModules: site.libModules.length },
  studies: page.length,
  maxAbsDiff: Math.max(...page.map((c) => c.maxAbsDiff)),
  chromium: {
    load: page[0].seconds.load,
    firstStudy: page[0].seconds.inPage?.total ?? NaN,
    read: mean(page.slice(1).map((c) => c.seconds.inPage?.read ?? NaN)),
    infer: mean(page.slice(1).map((c) => (c.seconds.inPage ? c.seconds.inPage.total - c.seconds.inPage.read : NaN))),
    study: mean(page.slice(1).map((c) => c.seconds.inPage?.total ?? NaN)),
  },
  node: { read: mean(node.map((x) => x.read)), infer: mean(node.map((x) => x.infer)), study: mean(node.map((x) => x.read + x.infer)) },
};
if (args.includes('--json')) console.log(JSON.stringify({ summary, page, node }));
else {
  const mb = (b: number) => `${(b / 1024 ** 2).toFixed(2)} MB`;
  console.log(`site ${mb(summary.site.bytes)} (${summary.site.files} files), spinelab.js ${mb(summary.site.bundleBytes)} from ${summary.site.libModules} lib modules`);
  console.log(`Chromium: page load (script, WASM, models) ${summary.chromium.load.toFixed(2)} s; first study ${summary.chromium.firstStudy.toFixed(2)} s, then per study ${summary.chromium.study.toFixed(2)} s (read and show ${summary.chromium.read.toFixed(2)} s, predict ${summary.chromium.infer.toFixed(2)} s)`);
  console.log(`Node:     per study (read + predict) ${summary.node.study.toFixed(2)} s (read ${summary.node.read.toFixed(2)} s, predict ${summary.node.infer.toFixed(2)} s)`);
  console.log(`ratio Chromium / Node per study: ${(summary.chromium.study / summary.node.study).toFixed(2)}× (predict only ${(summary.chromium.infer / summary.node.infer).toFixed(2)}×); max |page − spinelab infer| over ${summary.studies} studies: ${summary.maxAbsDiff.toExponential(2)}`);
}
