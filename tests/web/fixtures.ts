/**
 * A finished run for the web tests: the synthetic split and seeded models of tests/infer/fixtures.ts
 * (the stages' real model factories, saved in the training layout), `spinelab infer` on its test
 * split, and a copy of the input with bad studies: one with a truncated slice, one without its
 * sagittal series (both in the descriptions CSV as `spinelab infer` reads it).
 */
import { cpSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { initBackend } from '../../lib/engine/backend.js';
import { runInference, type InferenceResult } from '../../lib/infer/index.js';
import type { StudyFile } from '../../lib/web/study.js';
import { makeData, makeModels } from '../infer/fixtures.js';

export interface WebRun {
  input: string;
  /** The artefact root with models/ (and submission.csv, as a main job leaves it). */
  root: string;
  node: InferenceResult;
  studies: string[];
  /** The bad copy of the input and `spinelab infer` on it. */
  bad: { input: string; node: InferenceResult; corruptStudy: string; corruptFile: string; noSagittalStudy: string };
}

const dirs = (d: string) => readdirSync(d).filter((n) => statSync(join(d, n)).isDirectory()).sort();

export async function makeWebRun(dir: string): Promise<WebRun> {
  await initBackend();
  const input = await makeData(join(dir, 'input'));
  const root = join(dir, 'run');
  await makeModels(root, join(input, 'train.csv'));
  const node = await runInference({ input, out: join(root, 'submission.csv'), models: root, preset: 'tiny', workDir: join(dir, 'work') });
  const studies = dirs(join(input, 'test_images'));

  const badInput = join(dir, 'bad-input');
  cpSync(input, badInput, { recursive: true });
  const [corruptStudy, noSagittalStudy] = studies;
  const csvFile = join(badInput, 'test_series_descriptions.csv');
  const csv = readFileSync(csvFile, 'utf8').split('\n');
  const sagittal = csv.filter((l) => l.startsWith(`${corruptStudy},`) && l.includes('Sagittal'));
  const series = sagittal[0].split(',')[1];
  const files = readdirSync(join(badInput, 'test_images', corruptStudy, series)).sort();
  const corruptFile = join(badInput, 'test_images', corruptStudy, series, files[Math.floor(files.length / 2)]);
  truncateSync(corruptFile, Math.floor(statSync(corruptFile).size * 0.6)); // pixel data cut short
  for (const l of csv.filter((x) => x.startsWith(`${noSagittalStudy},`) && x.includes('Sagittal'))) {
    rmSync(join(badInput, 'test_images', noSagittalStudy, l.split(',')[1]), { recursive: true });
  }
  writeFileSync(csvFile, csv.filter((l) => !(l.startsWith(`${noSagittalStudy},`) && l.includes('Sagittal'))).join('\n'));
  const badNode = await runInference({ input: badInput, out: join(dir, 'bad-submission.csv'), models: root, preset: 'tiny', workDir: join(dir, 'bad-work') });
  return { input, root, node, studies, bad: { input: badInput, node: badNode, corruptStudy, corruptFile, noSagittalStudy } };
}

/** The files under `dir` as the page sees a chosen folder: paths relative to the folder's parent. */
export function studyFiles(dir: string, base = join(dir, '..')): StudyFile[] {
  const out: StudyFile[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push({ path: relative(base, p), size: statSync(p).size, read: async () => new Uint8Array(readFileSync(p)) });
    }
  };
  walk(dir);
  return out;
}
