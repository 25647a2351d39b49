/**
 * The `synth` command, determinism for a seed, and resuming: a re-run keeps finished studies and
 * regenerates missing ones byte for byte; another dataset in the same folder needs --overwrite.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/core/paths.js';
import { UsageError } from '../../lib/core/errors.js';
import { generateDataset } from '../../lib/synth/generate.js';

const tmp = mkdtempSync(join(tmpdir(), 'spinelab-synth-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const bin = join(projectRoot(), 'bin', 'spinelab.mjs');

/** sha256 of every file under dir, by relative path. */
function digest(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (!p.endsWith('manifest.json')) out.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

describe('spinelab synth (CLI)', () => {
  it('writes a dataset and prints the summary as JSON', () => {
    const out = join(tmp, 'cli');
    const stdout = execFileSync('node', [bin, 'synth', '--size', 'tiny', '--studies', '3', '--test-studies', '1', '--seed', '5', '--out', out, '--json'], { encoding: 'utf8' });
    const res = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(res).toMatchObject({ size: 'tiny', seed: 5, train_studies: 3, test_studies: 1 });
    expect(res.train_floor).toBeLessThan(res.train_prior);
    expect(readdirSync(join(out, 'train_images'))).toHaveLength(3);
  });

  it('rejects bad arguments with a usage error (exit 2) naming the problem', () => {
    for (const [args, msg] of [[['--size', 'huge'], /--size must be one of/], [['--studies', '0'], /--studies must be an integer/], [['--seed', 'x'], /--seed must be a number/]] as const) {
      const r = spawnSync('node', [bin, 'synth', '--out', join(tmp, 'bad'), ...args], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  });
});

describe('generateDataset: determinism and resume', () => {
  const opts = { size: 'tiny' as const, studies: 2, testStudies: 1, seed: 13 };

  it('the same seed gives identical files, another seed another dataset', async () => {
    await generateDataset({ out: join(tmp, 'a'), ...opts });
    await generateDataset({ out: join(tmp, 'b'), ...opts });
    await generateDataset({ out: join(tmp, 'c'), ...opts, seed: 14 });
    const a = digest(join(tmp, 'a'));
    expect(a.size).toBeGreaterThan(30);
    expect(digest(join(tmp, 'b'))).toEqual(a);
    expect(readdirSync(join(tmp, 'c', 'train_images'))).not.toEqual(readdirSync(join(tmp, 'a', 'train_images')));
  });

  it('two worker threads write exactly the files of one (studies are independent streams)', async () => {
    if (!existsSync(join(tmp, 'a'))) await generateDataset({ out: join(tmp, 'a'), ...opts });
    const s = await generateDataset({ out: join(tmp, 'w2'), ...opts, workers: 2 });
    expect(s.trainStudies + s.testStudies).toBe(3);
    expect(digest(join(tmp, 'w2'))).toEqual(digest(join(tmp, 'a')));
  });

  it('resumes: a study lost mid-run is regenerated identically, finished ones are kept', async () => {
    const dir = join(tmp, 'resume');
    await generateDataset({ out: dir, ...opts });
    const before = digest(dir);
    const study = readdirSync(join(dir, 'train_images'))[1];
    rmSync(join(dir, 'train_images', study), { recursive: true });
    rmSync(join(dir, 'truth', 'studies', `${study}.json`));
    const s = await generateDataset({ out: dir, ...opts });
    expect(s.resumedStudies).toBe(2);
    expect(digest(dir)).toEqual(before);
  });

  it('refuses to mix datasets unless told to overwrite', async () => {
    const dir = join(tmp, 'mixed');
    await generateDataset({ out: dir, ...opts, studies: 1, testStudies: 0 });
    await expect(generateDataset({ out: dir, ...opts, seed: 99 })).rejects.toThrow(UsageError);
    const s = await generateDataset({ out: dir, ...opts, seed: 99, overwrite: true });
    expect(s.resumedStudies).toBe(0);
    // Nothing of the old dataset is left: images and truth are those of seed 99 only.
    const studies = readdirSync(join(dir, 'train_images')).sort();
    expect(studies).toHaveLength(2);
    expect(readdirSync(join(dir, 'truth', 'studies')).sort()).toEqual([...studies, ...readdirSync(join(dir, 'test_images'))].map((x) => `${x}.json`).sort());
    expect(JSON.parse(readFileSync(join(dir, 'truth', 'config.json'), 'utf8')).seed).toBe(99);
  });

  it('never touches a folder of real (non-synthetic) data, even with overwrite', async () => {
    const dir = join(tmp, 'real');
    mkdirSync(join(dir, 'train_images', '4003253'), { recursive: true });
    writeFileSync(join(dir, 'train.csv'), 'study_id\n4003253\n');
    await expect(generateDataset({ out: dir, ...opts, overwrite: true })).rejects.toThrow(/not made by spinelab synth/);
    expect(readFileSync(join(dir, 'train.csv'), 'utf8')).toBe('study_id\n4003253\n');
    expect(readdirSync(join(dir, 'train_images'))).toEqual(['4003253']);
  });
});
