import { resolve } from 'node:path';
import { defineCommand } from '../command.js';
import { SpinelabError } from '../../core/errors.js';
import { inputDir, outputDir } from '../../core/paths.js';
import { checkMainJob } from '../../pipeline/check.js';

export default defineCommand({
  name: 'check',
  summary: 'Check a main job\'s outputs: valid submission, notebooks without error cells, report renders',
  usage: [
    'Usage: spinelab check [--input DIR] [--output DIR] [--no-browser] [--json]',
    '',
    'Exits 1 and lists the problems when the submission is incomplete or invalid, a notebook stopped on an',
    'error, or a plot of output/report.html does not render in headless Chromium.',
  ].join('\n'),
  options: { input: { type: 'string' }, output: { type: 'string' }, 'no-browser': { type: 'boolean' } },
  async run({ values, json }) {
    const input = resolve((values.input as string | undefined) ?? inputDir());
    const output = resolve((values.output as string | undefined) ?? outputDir());
    const r = await checkMainJob({ input, output, browser: !values['no-browser'] });
    if (!json) for (const c of r.checked) console.log(`checked ${c}`);
    if (r.problems.length) throw new SpinelabError(`${r.problems.length} problem(s):\n${r.problems.join('\n')}`);
    if (!json) console.log('main job outputs OK');
    return { ok: true, checked: r.checked };
  },
});
