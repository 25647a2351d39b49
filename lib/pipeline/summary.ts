import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PresetName } from '../core/presets.js';
import { gapClosed } from '../metrics/index.js';

export interface StageTiming {
  stage: string;
  seconds: number;
  /** True when the stage was unchanged since its last run and not re-run. */
  skipped: boolean;
}

/** `output/summary.json`: what the main job did and how well, in one small file. */
export interface RunSummary {
  preset: PresetName;
  input: string;
  output: string;
  synthetic: boolean;
  backend: string;
  /** Seconds per stage (0 when skipped) and in all. */
  timings: StageTiming[];
  totalSeconds: number;
  /** Cross-validation figures per stage, read from each model's report.json. */
  cv: Record<string, Record<string, number | null>>;
  /**
   * The test split: our score, and on synthetic data the class-prior baseline, the Bayes floor and the
   * share of the prior → floor gap that the score closes (0 = the prior, 1 = the floor).
   */
  test: {
    score: number | null; prior: number | null; floor: number | null; gapClosed: number | null;
    studies: number | null; fallbacks: number | null;
  };
  submission: string | null;
  report: string;
  notebooks: string[];
}

function readJson(file: string): Record<string, unknown> | null {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : null;
}

/** Numbers at a dotted path in a JSON object, or null. */
function num(obj: unknown, path: string): number | null {
  let v: unknown = obj;
  for (const k of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Every model folder's report.json, keyed by model name. */
function modelReports(output: string): Record<string, Record<string, unknown>> {
  const dir = join(output, 'models');
  if (!existsSync(dir)) return {};
  const out: Record<string, Record<string, unknown>> = {};
  for (const name of readdirSync(dir).sort()) {
    const r = readJson(join(dir, name, 'report.json'));
    if (r) out[name] = r;
  }
  return out;
}

export function collectSummary(o: {
  preset: PresetName; input: string; output: string; synthetic: boolean; backend: string;
  timings: StageTiming[]; reportFile: string; notebooks: string[];
}): RunSummary {
  const reports = modelReports(o.output);
  const cv: RunSummary['cv'] = {};
  for (const [name, r] of Object.entries(reports)) cv[name] = cvFigures(r);
  const bounds = readJson(join(o.input, 'truth', 'bounds.json'));
  const inference = readJson(join(o.output, 'inference', 'result.json'));
  const submission = join(o.output, 'submission.csv');
  const score = num(inference, 'eval.score');
  const prior = num(bounds, 'test.prior.score');
  const floor = num(bounds, 'test.floor.score');
  return {
    preset: o.preset,
    input: o.input,
    output: o.output,
    synthetic: o.synthetic,
    backend: o.backend,
    timings: o.timings,
    totalSeconds: Math.round(o.timings.reduce((s, t) => s + t.seconds, 0) * 10) / 10,
    cv,
    test: {
      score,
      prior,
      floor,
      gapClosed: score !== null && prior !== null && floor !== null && prior > floor ? gapClosed(score, prior, floor) : null,
      studies: num(inference, 'studies'),
      fallbacks: Array.isArray(inference?.fallbacks) ? (inference!.fallbacks as unknown[]).length : null,
    },
    submission: existsSync(submission) ? submission : null,
    report: o.reportFile,
    notebooks: o.notebooks,
  };
}

/** The headline figures of a model report (each stage writes its own shape; keep the numbers). */
function cvFigures(r: Record<string, unknown>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  const visit = (v: unknown, prefix: string, depth: number) => {
    if (typeof v === 'number' && Number.isFinite(v)) out[prefix] = Math.round(v * 1e5) / 1e5;
    else if (v && typeof v === 'object' && !Array.isArray(v) && depth < 3) {
      for (const [k, x] of Object.entries(v)) visit(x, prefix ? `${prefix}.${k}` : k, depth + 1);
    }
  };
  visit(r.cv ?? r, '', 0);
  return out;
}
