import { join, resolve } from 'node:path';
import { SpinelabError, UsageError } from '../../core/errors.js';
import { outputDir } from '../../core/paths.js';
import { defineCommand, numberOption } from '../command.js';
import { progress } from '../../notebook/progress.js';
import { runNotebooks, type RunnerKind } from '../../pipeline/runner/run.js';
import { buildReport } from '../../pipeline/report.js';
import { checkHtmlInBrowser, hasChromium, pageProblems, CHROMIUM } from '../../pipeline/browser.js';

export default defineCommand({
  name: 'notebooks',
  summary: 'Run the notebooks headless in order, writing executed copies (and an HTML report)',
  usage: `Usage: spinelab notebooks [names…] [options]

Runs notebooks/NN_*.ipynb (or the named ones: "01_Preparation", "01", a path) top to bottom on the
tslab kernel, in order, writing executed copies with their outputs. Stops at the first failing cell,
prints that cell and its error, and exits 1.

Options:
  --runner node|jupyter  node: spawn the kernel and speak Jupyter's protocol (no Python; default)
                         jupyter: Debian's nbclient (tools/run_notebooks.py)
  --out DIR              executed notebooks (default: <output>/notebooks)
  --report FILE          also render the executed notebooks into one offline HTML file
  --check                with --report: open it in headless Chromium, check every plot was drawn
                         without JavaScript errors, save screenshots beside it (FILE.png, FILE-plots/)
  --preset NAME          SPINELAB_PRESET for the notebooks (tiny, demo, bench, reference)
  --input DIR            SPINELAB_INPUT for the notebooks
  --output DIR           SPINELAB_OUTPUT for the notebooks
  --timeout S            seconds per cell before it is interrupted (default: none)
  --json                 print {ok, runner, runs:[{file,out,ok,seconds,signed}], report, check} as the last line`,
  options: {
    runner: { type: 'string' },
    out: { type: 'string' },
    report: { type: 'string' },
    preset: { type: 'string' },
    input: { type: 'string' },
    output: { type: 'string' },
    timeout: { type: 'string' },
    check: { type: 'boolean' },
  },
  positionals: true,
  async run({ values, positionals }) {
    const runner = (values.runner ?? 'node') as RunnerKind;
    if (runner !== 'node' && runner !== 'jupyter') throw new UsageError(`--runner must be node or jupyter, got "${String(values.runner)}"`);
    const timeout = numberOption(values, 'timeout', 0);
    if (values.check && !values.report) throw new UsageError('--check needs --report FILE');
    if (values.check && !hasChromium()) throw new UsageError(`--check needs Chromium at ${CHROMIUM} (apt-get install chromium, or set SPINELAB_CHROMIUM)`);
    const env: Record<string, string> = {};
    if (values.preset) env.SPINELAB_PRESET = String(values.preset);
    if (values.input) env.SPINELAB_INPUT = resolve(String(values.input));
    if (values.output) env.SPINELAB_OUTPUT = resolve(String(values.output));
    const outDir = values.out ? resolve(String(values.out)) : join(env.SPINELAB_OUTPUT ?? outputDir(), 'notebooks');
    const result = await runNotebooks({
      names: positionals, runner, outDir, env, cellTimeout: timeout || undefined,
      onLog: (l) => console.error(l),
      onProgress: progress('notebook'),
    });
    const failed = result.runs.find((r) => !r.ok);
    if (failed?.failure) {
      const f = failed.failure;
      console.error(`--- ${failed.file}, cell ${f.index} (${f.reason}):\n${f.source}\n--- error:\n${f.stderr || '(no stderr)'}`);
    }
    let report: string | undefined;
    if (values.report && result.ok) {
      report = resolve(String(values.report));
      const renderer = buildReport(result.runs.map((r) => r.out), report);
      console.error(`report (${renderer}): ${report}`);
    }
    let check: { plots: number; problems: string[]; screenshot?: string } | undefined;
    if (report && values.check) {
      const page = await checkHtmlInBrowser(report, { screenshot: report.replace(/\.html?$/, '') + '.png', plotShotsDir: report.replace(/\.html?$/, '') + '-plots' });
      check = { plots: page.plots.length, problems: pageProblems(page), screenshot: page.screenshot };
      console.error(`browser check: ${page.plots.length} plots, ${check.problems.length} problems; screenshot ${page.screenshot}`);
      if (check.problems.length) throw new SpinelabError(`report ${report} does not render:\n${check.problems.join('\n')}`);
    }
    if (failed) throw new SpinelabError(`${failed.file} failed at cell ${failed.failure?.index ?? '?'}; partial output in ${failed.out}`);
    return { ok: result.ok, runner, runs: result.runs, report, check };
  },
});
