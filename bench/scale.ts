/**
 * Cost as the work grows: every stage of the pipeline on N synthetic studies, for several N, each
 * stage a `spinelab` process timed by GNU time (wall seconds, CPU seconds, peak resident memory of
 * the process and its worker threads), one epoch for the training stages. Prints a table per N, the
 * cost per study (slope between the two largest N) and the projection to the Kaggle training set.
 *
 *   node --import tsx bench/scale.ts [--studies 100,400,1600] [--size bench] [--preset bench]
 *                                   [--work DIR] [--keep] [--json FILE]
 *
 * Needs /usr/bin/time (Debian `time`). Disk: about 25 MB per bench-size study while a size runs
 * (input + prepared stacks); each size's folder is removed after it unless --keep.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../lib/core/paths.js';

/** The Kaggle training set the projection scales to (competition data page). */
export const KAGGLE = { studies: 1975, files: 147_000, gigabytes: 35 } as const;

export interface StageCost {
  stage: string;
  /** Wall-clock seconds, CPU seconds (user + system, all threads), peak resident set in MB. */
  wall: number;
  cpu: number;
  peakMb: number;
}

export interface SizeCost {
  studies: number;
  testStudies: number;
  /** DICOM bytes and files of the training split. */
  trainMb: number;
  trainFiles: number;
  stages: StageCost[];
}

function dirStats(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else {
        bytes += s.size;
        files++;
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return { bytes, files };
}

/** One `spinelab` command under GNU time; throws with its stderr when it fails. */
function timed(stage: string, args: string[], log: string): StageCost {
  const fmt = join(log, `${stage}.time`);
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', fmt, process.execPath, join(projectRoot(), 'bin', 'spinelab.mjs'), ...args], {
    encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env },
  });
  writeFileSync(join(log, `${stage}.log`), `${r.stdout}\n${r.stderr}`);
  if (r.status !== 0) throw new Error(`scale: ${stage} failed (exit ${r.status}), see ${join(log, `${stage}.log`)}:\n${r.stderr.slice(-2000)}`);
  const [wall, user, sys, kb] = execFileSync('tail', ['-1', fmt], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
  return { stage, wall, cpu: user + sys, peakMb: kb / 1024 };
}

export function runSize(work: string, studies: number, size: string, preset: string, keep: boolean): SizeCost {
  const dir = join(work, String(studies));
  const input = join(dir, 'input');
  const output = join(dir, 'output');
  const log = join(dir, 'logs');
  mkdirSync(log, { recursive: true });
  // Enough test studies to time inference per study, few enough to keep the run short.
  const testStudies = Math.max(10, Math.round(studies / 20));
  const common = ['--preset', preset, '--input', input, '--output', output];
  const stages: StageCost[] = [];
  const step = (stage: string, args: string[]) => {
    const c = timed(stage, args, log);
    stages.push(c);
    console.error(`  ${String(studies).padStart(5)} studies  ${stage.padEnd(8)} ${c.wall.toFixed(1).padStart(7)} s wall ${c.cpu.toFixed(1).padStart(7)} s CPU ${c.peakMb.toFixed(0).padStart(6)} MB peak`);
  };
  step('synth', ['synth', '--out', input, '--size', size, '--studies', String(studies), '--test-studies', String(testStudies), '--overwrite']);
  const train = dirStats(join(input, 'train_images'));
  // The models read the sagittal series only (the main job's inference prepares no more either).
  step('prepare', ['prepare', '--split', 'train', '--input', input, '--out', join(output, 'prepared', 'train'), '--descriptions', 'sagittal']);
  step('coords', ['train', 'coords', ...common, '--epochs', '1']);
  step('crops', ['crops', '--preset', preset, '--output', output]);
  step('classify', ['train', 'crops', ...common, '--epochs', '1']);
  step('lvl2', ['train', 'lvl2', ...common, '--epochs', '1']);
  step('infer', ['infer', '--preset', preset, '--input', input, '--models', output, '--out', join(output, 'submission.csv')]);
  if (!keep) rmSync(dir, { recursive: true, force: true });
  return { studies, testStudies, trainMb: train.bytes / 2 ** 20, trainFiles: train.files, stages };
}

/** Per-study cost of each stage: the slope between the two largest sizes (fixed costs drop out). */
export function perStudy(sizes: readonly SizeCost[]): Array<{ stage: string; wall: number; cpu: number; mb: number }> {
  const s = [...sizes].sort((a, b) => a.studies - b.studies);
  const [a, b] = s.length > 1 ? s.slice(-2) : [{ ...s[0], studies: 0, stages: s[0].stages.map((x) => ({ ...x, wall: 0, cpu: 0, peakMb: 0 })) }, s[0]];
  return b.stages.map((x, i) => {
    // Inference scales with the test studies, the other stages with the training studies.
    const n = x.stage === 'infer' ? b.testStudies - a.testStudies : b.studies - a.studies;
    // Equal test splits (small sizes): the largest size's average instead of a slope.
    if (n === 0) return { stage: x.stage, wall: x.wall / b.testStudies, cpu: x.cpu / b.testStudies, mb: x.peakMb / b.testStudies };
    return { stage: x.stage, wall: (x.wall - a.stages[i].wall) / n, cpu: (x.cpu - a.stages[i].cpu) / n, mb: (x.peakMb - a.stages[i].peakMb) / n };
  });
}

export function formatScale(sizes: readonly SizeCost[], epochs: Record<string, number>): string {
  const lines: string[] = [];
  const stages = sizes[0].stages.map((s) => s.stage);
  lines.push(`| stage | ${sizes.map((s) => `${s.studies} studies: wall s / CPU s / peak MB`).join(' | ')} | per study: wall s / CPU s | projected, ${KAGGLE.studies} studies |`);
  lines.push(`|---|${sizes.map(() => '---').join('|')}|---|---|`);
  const slope = perStudy(sizes);
  const largest = sizes[sizes.length - 1];
  const mbPerStudy = largest.trainMb / largest.studies;
  for (const [i, stage] of stages.entries()) {
    const cells = sizes.map((s) => `${s.stages[i].wall.toFixed(0)} / ${s.stages[i].cpu.toFixed(0)} / ${s.stages[i].peakMb.toFixed(0)}`);
    const p = slope[i];
    // Projection: the per-study slope × the Kaggle studies, × the preset's epochs for training
    // stages; IO-bound stages (prepare, crops) scaled by bytes per study too (Kaggle's images are
    // larger than ours); synth has no Kaggle counterpart.
    const bytesRatio = (KAGGLE.gigabytes * 1024) / KAGGLE.studies / mbPerStudy;
    const scale = stage === 'prepare' || stage === 'crops' ? bytesRatio : 1;
    const e = epochs[stage] ?? 1;
    const proj = stage === 'synth' ? '—' : `${((p.wall * KAGGLE.studies * scale * e) / 60).toFixed(0)} min${e > 1 ? ` (${e} epochs)` : ''}${scale !== 1 ? ` (× ${scale.toFixed(1)} bytes)` : ''}`;
    lines.push(`| ${stage} | ${cells.join(' | ')} | ${p.wall.toFixed(3)} / ${p.cpu.toFixed(3)} | ${proj} |`);
  }
  lines.push('');
  const heavy = largest.stages.filter((x) => ['prepare', 'crops', 'coords', 'classify'].includes(x.stage));
  const worst = heavy.reduce((m, x) => (x.peakMb > m.peakMb ? x : m), heavy[0]);
  lines.push(`Peak memory at ${largest.studies} studies: prepare, crops and one training epoch at most ${(worst.peakMb / 1024).toFixed(2)} GB (${worst.stage}); the budget is 8 GB.`);
  lines.push(`Training split: ${sizes.map((s) => `${s.studies} studies ${s.trainMb.toFixed(0)} MB in ${s.trainFiles} files`).join('; ')} (${mbPerStudy.toFixed(1)} MB a study; Kaggle ${((KAGGLE.gigabytes * 1024) / KAGGLE.studies).toFixed(1)} MB).`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      studies: { type: 'string', default: '100,400,1600' }, size: { type: 'string', default: 'bench' }, preset: { type: 'string', default: 'bench' },
      work: { type: 'string' }, keep: { type: 'boolean' }, json: { type: 'string' },
    },
  });
  const counts = values.studies!.split(',').map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n < 2)) throw new Error(`--studies: comma-separated integers ≥ 2, got ${values.studies}`);
  const work = resolve(values.work ?? join(projectRoot(), 'bench', 'results', 'scale'));
  console.error(`scale: ${counts.join(', ')} ${values.size} studies, preset ${values.preset}, in ${work} (${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${cpus()[0]?.model ?? 'cpu'})`);
  const sizes = counts.map((n) => runSize(work, n, values.size!, values.preset!, Boolean(values.keep)));
  const { classifyPreset } = await import('../lib/classify/index.js');
  const { coordsPreset } = await import('../lib/coords/index.js');
  const { lvl2Preset } = await import('../lib/lvl2/index.js');
  const epochs = {
    coords: coordsPreset(values.preset!).train.epochs,
    classify: Math.max(...classifyPreset(values.preset!).models.map((m) => m.train.epochs)),
    lvl2: lvl2Preset(values.preset!).train.epochs,
  };
  console.log(formatScale(sizes, epochs));
  if (values.json) writeFileSync(values.json, JSON.stringify({ size: values.size, preset: values.preset, cores: availableParallelism(), sizes, perStudy: perStudy(sizes), epochs }, null, 1));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await main();
