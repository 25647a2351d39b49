import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../lib/cli/main.js';

const COMMANDS = ['run', 'synth', 'prepare', 'train', 'crops', 'infer', 'web', 'score', 'check', 'notebooks', 'bench', 'backbone', 'backend'];

/** Run the CLI in-process, capturing what it prints. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out += a.join(' ') + '\n'));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (err += a.join(' ') + '\n'));
  const code = await main(args);
  vi.restoreAllMocks();
  return { code, out, err };
}

afterEach(() => vi.restoreAllMocks());

describe('spinelab CLI', () => {
  it('lists every command in --help', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.out).toMatch(new RegExp(`^  ${c} `, 'm'));
  });

  it.each(COMMANDS)('%s --help prints its usage and exits 0', async (c) => {
    const r = await cli([c, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Usage: spinelab/);
  });

  it('rejects an unknown command with exit 2', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command "frobnicate"/);
  });

  it.each(COMMANDS)('%s rejects an unknown option with exit 2 and names it', async (c) => {
    const r = await cli([c, '--no-such-option']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no-such-option/);
  });

  it('run rejects an unknown preset before doing any work', async () => {
    const r = await cli(['run', '--preset', 'huge']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--preset must be one of tiny, demo, bench, reference/);
  });

  it.each([
    [['train', 'crops', '--workers', '0'], /--workers must be a positive integer, got 0/],
    [['run', '--workers', '1.5'], /--workers must be a positive integer, got 1\.5/],
    [['train', 'coords', '--prefetch', '--no-prefetch'], /--prefetch and --no-prefetch exclude each other/],
    [['train', 'lvl2', '--epochs', '0'], /--epochs must be a positive integer, got 0/],
    [['synth', '--workers', '0'], /--workers must be a positive integer, got 0/],
  ])('%j is a usage error (exit 2) before any work', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('a bad SPINELAB_WORKERS is named in the error', async () => {
    vi.stubEnv('SPINELAB_WORKERS', 'many');
    const { defaultWorkers } = await import('../../lib/core/pool.js');
    expect(() => defaultWorkers()).toThrow(/SPINELAB_WORKERS must be a positive integer, got "many"/);
    vi.unstubAllEnvs();
  });

  it('backend --json prints one JSON object as its last line', async () => {
    const r = await cli(['backend', '--json']);
    expect(r.code).toBe(0);
    const last = JSON.parse(r.out.trim().split('\n').pop()!);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(last.backend);
    expect(typeof last.reason).toBe('string');
  });
});
