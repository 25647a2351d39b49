import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from '../core/atomic.js';
import { SpinelabError, UsageError } from '../core/errors.js';
import { inputDir, outputDir, projectRoot } from '../core/paths.js';
import type { OnProgress } from '../core/progress.js';
import { initBackend } from '../engine/backend.js';
import { buildReport } from './report.js';
import { checkWorkers } from '../core/pool.js';
import { runNotebooks, type RunnerKind } from './runner/run.js';
import { generateDataset } from '../synth/index.js';
import { hashParts, hasCompetitionData, inputFingerprint, stageLibraryHash } from './fingerprint.js';
import { isPresetName, PRESET_NAMES, type PresetName } from '../core/presets.js';
import { STAGES, SYNTH_SIZE_FOR, type Stage } from './stages.js';
import { collectSummary, type RunSummary, type StageTiming } from './summary.js';

export interface MainJobOptions {
  preset?: PresetName;
  /** Data folder (default input/): the Kaggle download, or empty to generate synthetic studies. */
  input?: string;
  /** Artefact folder (default output/). */
  output?: string;
  runner?: RunnerKind;
  /** Re-run every stage even when nothing changed. */
  force?: boolean;
  /** Seed of the synthetic studies generated when input/ is empty. */
  seed?: number;
  /**
   * Folds trained at once by the training notebooks, each in a worker thread (SPINELAB_WORKERS in
   * their environment; default: the library's, the number of cores). Not part of a stage's stamp:
   * the same seeds give the same weights with any number of workers.
   */
  workers?: number;
  /** One human-readable line per event (stage started, skipped, finished). */
  onLog?: (line: string) => void;
  onProgress?: OnProgress;
}

interface StampFile {
  [stage: string]: { stamp: string; seconds: number; notebook: string };
}

/**
 * The main job: synthetic data when input/ has none, then the six notebooks in order, headless,
 * then the HTML report and summary.json. A stage whose notebook, library, preset, input and
 * upstream stages are unchanged since its last successful run is skipped (library code counts
 * through each notebook's import closure: editing lib/lvl2 re-runs level 2 and inference only).
 */
export async function runMainJob(opts: MainJobOptions = {}): Promise<RunSummary> {
  const preset = opts.preset ?? 'demo';
  if (!isPresetName(preset)) throw new UsageError(`unknown preset "${preset}" (expected ${PRESET_NAMES.join(', ')})`);
  const input = resolve(opts.input ?? inputDir());
  const output = resolve(opts.output ?? outputDir());
  const log = opts.onLog ?? (() => {});
  const timings: StageTiming[] = [];
  const backend = await initBackend();
  log(`backend: ${backend.name} (${backend.reason})`);

  let synthetic = false;
  if (!hasCompetitionData(input)) {
    const size = SYNTH_SIZE_FOR[preset];
    log(`no competition data in ${input}: generating the synthetic ${size} studies`);
    const s = await generateDataset({ out: input, size, seed: opts.seed ?? 42, onProgress: opts.onProgress });
    timings.push({ stage: 'synth', seconds: s.seconds, skipped: s.resumedStudies === s.trainStudies + s.testStudies });
    synthetic = true;
  } else {
    synthetic = existsSync(join(input, 'truth'));
    log(`data: ${input}${synthetic ? ' (synthetic studies)' : ''}`);
  }

  const stampFile = join(output, 'pipeline', 'stamps.json');
  const stamps: StampFile = existsSync(stampFile) ? JSON.parse(readFileSync(stampFile, 'utf8')) : {};
  const notebooksDir = join(projectRoot(), 'notebooks');
  const executedDir = join(output, 'notebooks');
  const env: Record<string, string> = { SPINELAB_PRESET: preset, SPINELAB_INPUT: input, SPINELAB_OUTPUT: output, SPINELAB_BACKEND: backend.name };
  if (opts.workers !== undefined) env.SPINELAB_WORKERS = String(checkWorkers(opts.workers));
  const libDir = join(projectRoot(), 'lib');
  let upstream = hashParts([preset, inputFingerprint(input)]);

  for (const stage of STAGES) {
    const source = join(notebooksDir, stage.notebook);
    const notebook = readFileSync(source, 'utf8');
    const stamp = hashParts([upstream, notebook, stageLibraryHash(libDir, notebook)]);
    upstream = stamp;
    const executed = join(executedDir, stage.notebook);
    const previous = stamps[stage.name];
    if (!opts.force && previous?.stamp === stamp && existsSync(executed)) {
      log(`skip ${stage.name}: unchanged since its last run (${previous.seconds.toFixed(1)} s then)`);
      timings.push({ stage: stage.name, seconds: 0, skipped: true });
      continue;
    }
    log(`run  ${stage.name}: ${stage.notebook}`);
    const seconds = await runStage(stage, source, executedDir, env, opts);
    log(`done ${stage.name} in ${seconds.toFixed(1)} s`);
    timings.push({ stage: stage.name, seconds, skipped: false });
    stamps[stage.name] = { stamp, seconds, notebook: executed };
    writeJsonAtomic(stampFile, stamps); // after each stage: a later failure keeps the finished ones
  }

  const executedNotebooks = STAGES.map((s) => join(executedDir, s.notebook));
  const reportFile = join(output, 'report.html');
  const renderer = buildReport(executedNotebooks, reportFile, { title: `spinelab main job (preset ${preset})` });
  log(`report: ${reportFile} (${renderer})`);

  const summary = collectSummary({ preset, input, output, synthetic, backend: backend.name, timings, reportFile, notebooks: executedNotebooks });
  writeJsonAtomic(join(output, 'summary.json'), summary);
  return summary;
}

async function runStage(stage: Stage, source: string, outDir: string, env: Record<string, string>, opts: MainJobOptions): Promise<number> {
  const { ok, runs } = await runNotebooks({ names: [source], runner: opts.runner ?? 'node', outDir, env, onProgress: opts.onProgress });
  const run = runs[0];
  if (!ok || !run) {
    const f = run?.failure;
    throw new SpinelabError(
      `stage ${stage.name} failed in ${stage.notebook}${f ? ` at cell ${f.index}` : ''}` +
        (f ? `:\n--- cell source:\n${f.source}\n--- error:\n${f.stderr}` : '') +
        `\nThe partly executed notebook is in ${run?.out ?? outDir}; finished stages are kept and the next run resumes here.`,
      { file: source },
    );
  }
  return run.seconds;
}
