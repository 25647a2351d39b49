/**
 * The built page in headless Chromium (lib/notebook/browser.ts's DevTools-pipe driver): open it
 * from a server, hand it studies through its file inputs (DOM.setFileInputFiles, as a user
 * choosing a folder), one after the other, wait for each result and read `window.__spinelab`. `checkSiteStudies` runs every
 * study of a split and compares the page's probabilities with a submission written by Node.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { N_CLASSES, rowId, SUBMISSION_CLASSES, TARGETS } from '../data/vocabulary.js';
import { openChromium, pageErrors, sleep, type ChromiumPage } from '../pipeline/browser.js';
import type { PageResult, PageState } from './state.js';
import { serveSite } from './serve.js';

export interface PageRun extends PageState {
  /** JavaScript errors of the page (uncaught exceptions, console.error). */
  errors: string[];
  /** Seconds from navigation to the models loaded, and from the files handed over to the result. */
  seconds: { load: number; study: number };
}

/** One study handed to the page, as a user would choose it, and what to do once it is shown. */
export interface PageStudy {
  /**
   * A folder (given to the folder input, as "Choose a folder") or files (given to the files input,
   * as "Choose files").
   */
  folder?: string;
  files?: string[];
  /** Run after the result, before the screenshot (e.g. to drag the window/level in a test). */
  actions?: (page: ChromiumPage) => Promise<void>;
  /** Full-page PNG after the result. */
  screenshot?: string;
}

export interface PageRunOptions extends PageStudy {
  /** The page's address (a served site). */
  url: string;
  /** Seconds to wait for the models, then for each result. Default 120. */
  timeout?: number;
  width?: number;
}

const STATE = 'JSON.parse(JSON.stringify(window.__spinelab ?? null))';

/**
 * Open the page once and give it the studies one after the other (as a user would), waiting for
 * each result. `seconds.load` is the page's (the same for every study), `seconds.study` the study's.
 */
export async function runStudiesInPage(url: string, studies: readonly PageStudy[], opts: { timeout?: number; width?: number } = {}): Promise<PageRun[]> {
  const page = await openChromium({ width: opts.width ?? 1280, height: 900 });
  const timeout = (opts.timeout ?? 120) * 1000;
  const waitFor = async (done: (s: PageState) => boolean, what: string) => {
    const deadline = Date.now() + timeout;
    for (;;) {
      const s = await page.evaluate<PageState | null>(STATE);
      if (s && done(s)) return s;
      if (Date.now() > deadline) throw new Error(`the page did not reach ${what} in ${timeout / 1000} s (state ${s?.state}; messages: ${s?.messages.map((m) => m.text).join(' | ')}; errors: ${pageErrors(page.events()).join(' | ')})`);
      await sleep(100);
    }
  };
  const out: PageRun[] = [];
  try {
    const t0 = Date.now();
    await page.send('Page.navigate', { url });
    let state = await waitFor((s) => s.state === 'ready' || s.state === 'error', 'ready or error');
    const load = (Date.now() - t0) / 1000;
    for (const study of studies) {
      const t1 = Date.now();
      if (state.state !== 'loading' && (study.folder || study.files?.length)) {
        const { root } = await page.send('DOM.getDocument');
        const { nodeId } = await page.send('DOM.querySelector', { nodeId: root.nodeId, selector: study.folder ? '#folder-input' : '#files-input' });
        const before = state.studies;
        await page.send('DOM.setFileInputFiles', { nodeId, files: study.folder ? [study.folder] : study.files });
        state = await waitFor((s) => s.studies > before && (s.state === 'done' || s.state === 'error'), `the result of ${study.folder ?? study.files?.join(', ')}`);
      }
      const t2 = Date.now();
      await sleep(300); // plotly's first draw
      await study.actions?.(page);
      if (study.screenshot) await page.screenshot(study.screenshot);
      out.push({ ...state, errors: pageErrors(page.events()), seconds: { load, study: (t2 - t1) / 1000 } });
    }
    return out;
  } finally {
    await page.close();
  }
}

/** Open the page, give it one study, wait for the result. */
export async function runStudyInPage(opts: PageRunOptions): Promise<PageRun> {
  return (await runStudiesInPage(opts.url, [opts], opts))[0];
}

/** Probabilities per study (75 each) of a submission file. */
export function readSubmissionProbs(file: string): Map<number, Float64Array> {
  const rows = Papa.parse<Record<string, string>>(readFileSync(file, 'utf8'), { header: true, skipEmptyLines: 'greedy' }).data;
  const byId = new Map(rows.map((r) => [r.row_id, r]));
  const studies = new Set(rows.map((r) => Number(r.row_id.split('_')[0])));
  const out = new Map<number, Float64Array>();
  for (const s of studies) {
    out.set(s, Float64Array.from(TARGETS.flatMap((_, j) => SUBMISSION_CLASSES.map((k) => Number(byId.get(rowId(s, j))?.[k] ?? NaN)))));
  }
  return out;
}

/**
 * Largest |page − submission| over a study's 75 probabilities. The submission's rows are
 * renormalised in float64 (submissionLines), so the page's are too: like is compared with like.
 * Infinity when the lengths differ.
 */
export function maxProbDiff(page: ArrayLike<number>, submission: ArrayLike<number>): number {
  if (page.length !== submission.length) return Infinity;
  let m = 0;
  for (let j = 0; j < page.length; j += N_CLASSES) {
    const sum = page[j] + page[j + 1] + page[j + 2];
    for (let k = 0; k < N_CLASSES; k++) m = Math.max(m, Math.abs(page[j + k] / sum - submission[j + k]));
  }
  return m;
}

export interface SiteStudyCheck {
  studyId: number;
  state: string;
  source?: string;
  /** Largest |page − submission| over the 75 probabilities. */
  maxAbsDiff: number;
  /** Page load and study as the driver saw them; `inPage`: the page's own timings of the study. */
  seconds: PageRun['seconds'] & { inPage?: PageResult['seconds'] };
  errors: string[];
}

/**
 * Every study folder of `{input}/{split}_images/` through the page of the site in `site`, compared
 * with the submission Node wrote for them (`spinelab infer`, or the main job's submission.csv).
 */
export async function checkSiteStudies(opts: { site: string; input: string; submission: string; split?: 'test' | 'train'; screenshotDir?: string; maxStudies?: number }): Promise<SiteStudyCheck[]> {
  const images = join(opts.input, `${opts.split ?? 'test'}_images`);
  const studies = readdirSync(images).filter((n) => /^\d+$/.test(n) && statSync(join(images, n)).isDirectory()).sort((a, b) => Number(a) - Number(b)).slice(0, opts.maxStudies);
  const expected = readSubmissionProbs(opts.submission);
  const server = await serveSite(opts.site);
  const out: SiteStudyCheck[] = [];
  try {
    const runs = await runStudiesInPage(server.url, studies.map((s) => ({ folder: join(images, s), screenshot: opts.screenshotDir ? join(opts.screenshotDir, `study-${s}.png`) : undefined })));
    for (const [i, s] of studies.entries()) {
      const run = runs[i];
      const want = expected.get(Number(s));
      const got = run.result?.probs;
      const maxAbsDiff = want && got ? maxProbDiff(got, want) : Infinity;
      out.push({ studyId: Number(s), state: run.state, source: run.result?.source, maxAbsDiff, seconds: { ...run.seconds, inPage: run.result?.seconds }, errors: [...run.errors, ...run.messages.filter((m) => m.level === 'error').map((m) => m.text)] });
    }
  } finally {
    await server.close();
  }
  return out;
}
