import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineCommand } from '../command.js';
import { UsageError } from '../../core/errors.js';
import { inputDir, outputDir } from '../../core/paths.js';
import { PRESET_NAMES } from '../../core/presets.js';
import { checkpointChoice } from '../../infer/index.js';
import { CHROMIUM, hasChromium } from '../../pipeline/browser.js';
import { buildSite, checkSiteStudies, serveSite, type SiteStudyCheck } from '../../web/index.js';

/** Largest |page − Node| probability accepted by --check. */
export const WEB_TOLERANCE = 1e-4;

export default defineCommand({
  name: 'web',
  summary: 'A static site that runs the trained models in the browser on the user\'s own DICOM files',
  usage: [
    'Usage: spinelab web [--models DIR] [--out DIR] [--preset NAME] [--checkpoints C] [--serve [PORT]]',
    '                    [--check] [--input DIR] [--screenshots DIR] [--json]',
    '',
    '  --models DIR       artefact root of a finished run, with models/ (default output/)',
    '  --out DIR          where to write the site (default {models}/web); replaced if it holds a site',
    `  --preset NAME      ${PRESET_NAMES.join(' | ')}: checkpoint choice, batch size (default: the`,
    '                     run\'s, from {models}/summary.json, else demo)',
    '  --checkpoints C    auto (full fit where trained, else the fold mean) | folds | fullfit',
    '  --serve [PORT]     then serve it on http://127.0.0.1:PORT/ (default 8080) until Ctrl-C',
    '  --check            open the site in headless Chromium on every study of {input}/test_images/ and',
    '                     compare its probabilities with {models}/submission.csv (the run\'s `spinelab',
    `                     infer\`): fails above ${WEB_TOLERANCE} or on a page error`,
    '  --input DIR        the run\'s input (default input/): studies for --check, train.csv for the priors',
    '  --screenshots DIR  with --check: a full-page PNG per study',
    '',
    'The site is index.html, one bundled script, the run\'s checkpoints and the WebAssembly binaries:',
    'any static file server can serve it (browsers do not let a page opened as file:// load models).',
    'Nothing is uploaded: the page reads the DICOM files in the tab and runs the models there.',
    '',
    'Example: spinelab web --models output --serve',
  ].join('\n'),
  options: {
    models: { type: 'string' },
    out: { type: 'string' },
    preset: { type: 'string' },
    checkpoints: { type: 'string' },
    serve: { type: 'boolean' },
    check: { type: 'boolean' },
    input: { type: 'string' },
    screenshots: { type: 'string' },
  },
  // The optional port of --serve arrives as a positional.
  positionals: true,
  async run({ values, positionals, json }) {
    const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
    const checkpoints = checkpointChoice(str('checkpoints'));
    if (positionals.length > 1 || (positionals.length === 1 && !values.serve)) throw new UsageError(`unexpected argument(s) ${positionals.join(' ')} (only --serve takes a port)`);
    const port = positionals.length ? Number(positionals[0]) : 8080;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--serve port must be an integer in 0–65535, got "${positionals[0]}"`);
    if (values.check && !hasChromium()) throw new UsageError(`--check needs Chromium at ${CHROMIUM} (apt-get install chromium, or set SPINELAB_CHROMIUM)`);
    const models = resolve(str('models') ?? outputDir());
    const input = resolve(str('input') ?? inputDir());
    const site = await buildSite({ models, out: resolve(str('out') ?? join(models, 'web')), preset: str('preset'), checkpoints, input });
    const mb = (n: number) => `${(n / 1024 ** 2).toFixed(1)} MB`;
    if (!json) console.log(`site: ${site.out} (${site.files} files, ${mb(site.siteBytes)}; spinelab.js ${mb(site.bundleBytes)} from ${site.libModules.length} lib modules) in ${site.seconds.toFixed(1)} s`);

    let checks: SiteStudyCheck[] | undefined;
    if (values.check) {
      const submission = join(models, 'submission.csv');
      if (!existsSync(submission)) throw new UsageError(`--check compares with the run's submission: ${submission} not found (run spinelab infer first)`);
      checks = await checkSiteStudies({ site: site.out, input, submission, screenshotDir: str('screenshots') && resolve(str('screenshots')!) });
      for (const c of checks) {
        if (!json) console.log(`  study ${c.studyId}: ${c.state}, ${c.source ?? '-'}, max |page − node| ${c.maxAbsDiff.toExponential(2)}, page load ${c.seconds.load.toFixed(1)} s, study ${c.seconds.study.toFixed(1)} s${c.errors.length ? `; errors: ${c.errors.join(' | ')}` : ''}`);
      }
      const bad = checks.filter((c) => c.state !== 'done' || !(c.maxAbsDiff <= WEB_TOLERANCE) || c.errors.length);
      if (!checks.length) throw new UsageError(`--check: no study folder in ${join(input, 'test_images')}`);
      if (bad.length) throw new Error(`the page disagrees with \`spinelab infer\` (or failed) on ${bad.length} of ${checks.length} studies: ${bad.map((c) => c.studyId).join(', ')}`);
      if (!json) console.log(`check: ${checks.length} studies, the page's probabilities equal the submission's within ${WEB_TOLERANCE}`);
    }
    if (values.serve) {
      const server = await serveSite(site.out, port);
      console.error(`serving ${site.out} on ${server.url} (127.0.0.1 only); Ctrl-C to stop`);
      await new Promise<void>((done) => process.once('SIGINT', () => void server.close().then(done)));
    }
    return { ...site, manifest: undefined, checks };
  },
});
