/**
 * The page of `spinelab web`: loads the site's models, reads the study the user chooses or drops
 * (lib/web/study.ts), predicts it (lib/web/infer.ts, i.e. lib/infer/core.ts) and shows the series,
 * the disc levels and crop boxes, the level crops and the 25 × 3 probabilities. Nothing leaves the
 * tab. `window.__spinelab` holds the page's state and last result (tests read it).
 */
import * as tf from '@tensorflow/tfjs';
import { asError } from '../../core/errors.js';
import type { ProgressEvent } from '../../core/progress.js';
import { setCodecBase } from '../../dicom/runtime.browser.js';
import type { StudyModels, StudyPrediction } from '../infer.js';
import { predictStudy } from '../infer.js';
import { MANIFEST_FILE, type SiteManifest } from '../manifest.js';
import type { PageLevel, PageState, PageStatus } from '../state.js';
import { isSagittal } from '../../data/vocabulary.js';
import { readStudy, StudyTooLargeError, type StudyFile, type StudyLimits, type StudyProblem, type StudyRead } from '../study.js';
import { filesOfDrop, filesOfInput } from './files.js';
import { loadSiteModels, startBackend } from './models.js';
import { saveCsv, showCrops, showPredictions } from './results.js';
import { SliceViewer } from './viewer.js';

declare global {
  interface Window { __spinelab: PageState }
}

const page: PageState = { state: 'loading', studies: 0, messages: [] };
window.__spinelab = page;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const now = () => performance.now();
const base = new URL('.', location.href).href;

function setState(s: PageStatus): void {
  page.state = s;
  document.body.dataset.state = s;
}

function message(level: PageLevel, text: string, items: string[] = []): void {
  page.messages.push({ level, text: items.length ? `${text} ${items.join('; ')}` : text });
  const div = document.createElement('div');
  div.className = `msg ${level}`;
  div.textContent = text;
  if (items.length) {
    const ul = document.createElement('ul');
    for (const t of items.slice(0, 20)) ul.append(Object.assign(document.createElement('li'), { textContent: t }));
    if (items.length > 20) ul.append(Object.assign(document.createElement('li'), { textContent: `… and ${items.length - 20} more` }));
    div.append(ul);
  }
  $('messages').append(div);
}

function progress(e: ProgressEvent | null): void {
  $('progress').hidden = e === null;
  if (!e) return;
  const bar = $<HTMLProgressElement>('progress-bar');
  bar.max = Math.max(1, e.total);
  bar.value = e.done;
  $('progress-label').textContent = `${e.label}: ${e.done} / ${e.total}${e.detail ? ` (${e.detail})` : ''}`;
}

/** Let the page paint between heavy steps. */
const paint = () => new Promise((r) => setTimeout(r, 0));

/** Limits from the manifest, overridable from the URL (`?maxSagittalPixels=…`) to try them out. */
function limits(m: SiteManifest): StudyLimits {
  const q = new URLSearchParams(location.search);
  const out = { ...m.limits };
  for (const k of Object.keys(out) as Array<keyof StudyLimits>) if (q.has(k) && Number(q.get(k)) > 0) out[k] = Number(q.get(k));
  return out;
}

let manifest: SiteManifest;
let models: StudyModels | undefined;
/** Why the models did not load, shown again with each selection. */
let bootError = '';
let busy = false;
let current: { studyId: number; probs: ArrayLike<number> } | null = null;

async function boot(): Promise<void> {
  const t0 = now();
  if (location.protocol === 'file:') {
    bootError = 'This page was opened as a file (file://): browsers do not let such a page load its models. Serve the folder over http: `spinelab web --serve`, or `python3 -m http.server` inside this folder, then open the address it prints.';
    message('error', bootError);
    setState('error');
    return;
  }
  try {
    const res = await fetch(new URL(MANIFEST_FILE, base));
    if (!res.ok) throw new Error(`${MANIFEST_FILE}: HTTP ${res.status}`);
    manifest = await res.json() as SiteManifest;
    setCodecBase(new URL('codecs/', base).href);
    page.backend = await startBackend(base);
    models = await loadSiteModels(manifest, base, progress);
  } catch (e) {
    progress(null);
    bootError = `The models could not be loaded: ${asError(e).message}`;
    message('error', bootError);
    setState('error');
    return;
  }
  progress(null);
  page.loadSeconds = (now() - t0) / 1000;
  const n = manifest.coords.length + manifest.level1.reduce((k, l) => k + l.checkpoints.length, 0) + manifest.lvl2.checkpoints.length;
  $('models-info').textContent = `${n} checkpoints of a ${manifest.source.preset} run (${manifest.level1.map((l) => l.name).join(', ')}, coordinates, level 2; checkpoints: ${manifest.source.checkpoints}), TensorFlow.js ${tf.version.tfjs} on ${page.backend}; loaded in ${page.loadSeconds.toFixed(1)} s.`;
  setState('ready');
}

function clearStudy(): void {
  $('messages').replaceChildren();
  page.messages = [];
  page.result = undefined;
  current = null;
  $('viewers').replaceChildren();
  $('study').hidden = true;
  $('crops').hidden = true;
  $('predictions').hidden = true;
  $('timings').textContent = '';
}

function showProblems(problems: readonly StudyProblem[]): void {
  const of = (k: StudyProblem['kind']) => problems.filter((p) => p.kind === k).map((p) => p.message);
  const notDicom = of('not-dicom');
  if (notDicom.length) message('warning', `${notDicom.length} file(s) are not DICOM and were skipped:`, notDicom);
  const corrupt = of('corrupt-slice');
  if (corrupt.length) message('error', `${corrupt.length} slice(s) could not be read. The slices that could be read are shown; as \`spinelab infer\` does for a series it cannot prepare, the study gets the class priors:`, corrupt);
  for (const m of of('too-large')) message('error', `Too large for this page: ${m}. The study gets the class priors.`);
  for (const m of of('other-study')) message('warning', m);
  for (const m of of('no-sagittal')) message('warning', `${m}. As \`spinelab infer\` does for such a study, the level-2 model predicts from all-zero image features: a prior, not a reading of the images.`);
}

function showSeries(study: StudyRead): void {
  $('study').hidden = false;
  $<HTMLInputElement>('study-id').value = String(study.studyId);
  const body = $('series-table').querySelector('tbody')!;
  body.replaceChildren();
  for (const s of study.series) {
    const read = s.stack ? `${s.stack.pixels.shape.join(' × ')}${s.badSlices.length ? `, ${s.badSlices.length} slice(s) unreadable` : ''}` : isSagittal(s.description) ? 'not read' : '—';
    const tr = document.createElement('tr');
    for (const t of [String(s.seriesId), s.folder || '.', String(s.files), s.plane, s.description ?? 'not used by the models', s.typeReason, read]) tr.append(Object.assign(document.createElement('td'), { textContent: t }));
    body.append(tr);
  }
}

function sourceText(p: StudyPrediction): string {
  if (p.source === 'models') return `Predicted by the models from ${p.series.length} sagittal series (${p.series.map((s) => `${s.description}, series ${s.seriesId}`).join('; ')}).`;
  if (p.source === 'no-sagittal') return 'No sagittal series: the level-2 model on all-zero image features (as `spinelab infer`), close to the class priors.';
  return `Class priors of the training labels, not a reading of the images: the ${p.fallback?.stage} step failed (${p.fallback?.reason}). \`spinelab infer\` falls back the same way.`;
}

async function run(files: StudyFile[]): Promise<void> {
  if (busy) {
    message('info', 'Still working on the previous selection: choose again when it is shown.');
    return;
  }
  busy = true;
  clearStudy();
  try {
    await booting; // a selection made while the models load waits for them
    if (!models) {
      message('error', bootError);
      setState('error');
      return;
    }
    if (!files.length) {
      message('error', 'No files in the selection.');
      setState('error');
      return;
    }
    setState('reading');
    const t0 = now();
    let study: StudyRead;
    try {
      study = await readStudy(files, { limits: limits(manifest), onProgress: progress });
    } catch (e) {
      message('error', e instanceof StudyTooLargeError ? `Too large for this page: ${e.message}.` : `The files could not be read: ${asError(e).message}`);
      setState('error');
      return;
    }
    progress(null);
    showProblems(study.problems);
    if (!study.dicomFiles) {
      message('error', `None of the ${files.length} file(s) is a DICOM file: choose a study folder (e.g. test_images/{study_id}/) or its .dcm files.`);
      setState('error');
      return;
    }
    showSeries(study);
    const sagittal = study.series.filter((s) => isSagittal(s.description));
    const viewers = new Map<number, SliceViewer>();
    for (const s of sagittal) {
      if (!s.stack) continue;
      const v = new SliceViewer(`${s.description} · series ${s.seriesId}`, s.stack.pixels, s.header, s.badSlices.length ? `${s.badSlices.length} slice(s) could not be read and are left out.` : '');
      viewers.set(s.seriesId, v);
      $('viewers').append(v.root);
    }
    const tRead = now();
    setState('running');
    progress({ label: 'running the models', done: 0, total: 1 });
    await paint();
    const unreadable = sagittal.filter((s) => !s.stack || s.badSlices.length)
      .map((s) => `series ${s.seriesId} (${s.description}) ${s.stack ? `has ${s.badSlices.length} unreadable slice(s)` : 'could not be read'}`);
    const p = await predictStudy(models, study.studyId, sagittal.flatMap((s) => (s.stack && isSagittal(s.description) ? [{ seriesId: s.seriesId, description: s.description, stack: s.stack.pixels }] : [])), {
      unreadable: unreadable.join('; ') || undefined,
      onProgress: progress,
    });
    progress(null);
    for (const s of p.series) viewers.get(s.seriesId)?.setOverlay({ points: s.pred, boxes: s.cuts.map((c) => c.box) });
    showCrops(p.series);
    showPredictions(p, sourceText(p), p.source === 'priors');
    current = { studyId: study.studyId, probs: p.probs };
    const seconds = { read: (tRead - t0) / 1000, ...p.seconds, total: (now() - t0) / 1000 };
    page.result = {
      studyId: study.studyId, source: p.source, fallback: p.fallback, probs: Array.from(p.probs),
      series: p.series.map((s) => ({ seriesId: s.seriesId, description: s.description, slices: s.cuts[0]?.crop.shape[0] ?? 0, pred: Array.from(s.pred) })),
      problems: study.problems, seconds,
    };
    $('timings').textContent = `Read ${seconds.read.toFixed(2)} s, disc levels and crops ${seconds.crops.toFixed(2)} s, level 1 ${seconds.level1.toFixed(2)} s, level 2 ${seconds.lvl2.toFixed(2)} s; ${seconds.total.toFixed(2)} s in all, in this tab.`;
    setState('done');
  } catch (e) {
    progress(null);
    message('error', `Something went wrong: ${asError(e).message}`);
    setState('error');
  } finally {
    busy = false;
    page.studies++;
  }
}

function wire(): void {
  for (const id of ['folder-input', 'files-input']) {
    const input = $<HTMLInputElement>(id);
    input.addEventListener('change', () => {
      if (input.files) void run(filesOfInput(input.files));
      input.value = '';
    });
  }
  const drop = $('drop');
  for (const t of [drop, document.body]) {
    t.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
    t.addEventListener('dragleave', () => drop.classList.remove('over'));
    t.addEventListener('drop', (e) => {
      e.preventDefault();
      e.stopPropagation();
      drop.classList.remove('over');
      if (e.dataTransfer) void filesOfDrop(e.dataTransfer).then(run, (err) => message('error', `The dropped files could not be read: ${asError(err).message}`));
    });
  }
  $('save-csv').addEventListener('click', () => {
    if (!current) return;
    const id = Number($<HTMLInputElement>('study-id').value);
    saveCsv(Number.isInteger(id) && id >= 0 ? id : current.studyId, current.probs);
  });
}

const booting = boot();
wire();
