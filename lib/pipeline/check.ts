import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateSubmission } from '../infer/index.js';
import { checkHtmlInBrowser, hasChromium, pageProblems } from './browser.js';
import { readNotebook } from './runner/nbformat.js';
import { STAGES } from './stages.js';

export interface MainJobCheck {
  /** Every problem found; empty when the main job's outputs are complete and valid. */
  problems: string[];
  /** What was checked, for the log. */
  checked: string[];
}

/**
 * Check what a main job left in `output`: a complete, valid submission for every test study; every
 * stage's notebook executed to the end without an error cell; the HTML report drawing every plot
 * without a JavaScript error in headless Chromium (when Chromium is installed).
 */
export async function checkMainJob(o: { input: string; output: string; browser?: boolean }): Promise<MainJobCheck> {
  const problems: string[] = [];
  const checked: string[] = [];

  const submission = join(o.output, 'submission.csv');
  for (const ref of ['test_series_descriptions.csv', 'sample_submission.csv']) {
    const file = join(o.input, ref);
    if (!existsSync(file)) continue;
    problems.push(...validateSubmission(submission, file).map((p) => `submission vs ${ref}: ${p}`));
    checked.push(`submission against ${ref}`);
  }

  const stampFile = join(o.output, 'pipeline', 'stamps.json');
  const stamps: Record<string, unknown> = existsSync(stampFile) ? JSON.parse(readFileSync(stampFile, 'utf8')) : {};
  for (const stage of STAGES) {
    const file = join(o.output, 'notebooks', stage.notebook);
    if (!stamps[stage.name]) problems.push(`stage ${stage.name}: no successful run recorded in ${stampFile}`);
    if (!existsSync(file)) {
      problems.push(`stage ${stage.name}: executed notebook ${file} is missing`);
      continue;
    }
    const cells = readNotebook(file).cells.filter((c) => c.cell_type === 'code');
    cells.forEach((c, i) => {
      if (c.execution_count === null || c.execution_count === undefined) problems.push(`${stage.notebook}: code cell ${i + 1} was not executed`);
      if ((c.outputs ?? []).some((out) => out.output_type === 'error')) problems.push(`${stage.notebook}: code cell ${i + 1} has an error output`);
    });
    checked.push(`${stage.notebook} (${cells.length} code cells)`);
  }

  const report = join(o.output, 'report.html');
  if (!existsSync(report)) problems.push(`report ${report} is missing`);
  else if (o.browser !== false && hasChromium()) {
    const page = await checkHtmlInBrowser(report, { screenshot: join(o.output, 'browser', 'report.png'), plotShotsDir: join(o.output, 'browser', 'report-plots'), plotShotIndices: [0, 1, 2, 3, 4, 5] });
    problems.push(...pageProblems(page).map((p) => `report: ${p}`));
    checked.push(`report.html in Chromium (${page.plots.length} plots)`);
  } else checked.push('report.html exists (Chromium not installed: not rendered)');
  return { problems, checked };
}
