import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../lib/cli/main.js';

const COMMANDS = ['run', 'synth', 'prepare', 'train', 'crops', 'infer', 'score', 'check', 'notebooks', 'bench', 'backbone', 'backend'];

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

  it('backend --json prints one JSON object as its last line', async () => {
    const r = await cli(['backend', '--json']);
    expect(r.code).toBe(0);
    const last = JSON.parse(r.out.trim().split('\n').pop()!);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(last.backend);
    expect(typeof last.reason).toBe('string');
  });
});
