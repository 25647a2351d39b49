import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { outputText, readNotebook, writeNotebook, type Notebook } from '../../lib/pipeline/runner/nbformat.js';
import { runNotebooks } from '../../lib/pipeline/runner/run.js';
import { pythonReference } from '../helpers/python.js';
import { expectedLines, LAST_OURS, LAST_TSLAB, LINES, NEXT, SETUP, STRESS, stressWork } from './stress-cells.js';

/**
 * The kernel stress cell of kernel-stress.test.ts through the Jupyter runner (tools/run_notebooks.py,
 * Debian's nbclient). Fails with SPINELAB_KERNEL_SEND_QUEUE=0 in the environment (the kernel died).
 */
const work = stressWork('jupyter');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const NBCLIENT = pythonReference(['nbclient', 'nbformat']);

describe.skipIf(!NBCLIENT.ok)(`tslab kernel under a flood of outputs (Jupyter runner, ${NBCLIENT.ok ? 'nbclient' : NBCLIENT.skipReason})`, () => {
  it('executes the same cells with every output and the next cell', async () => {
    mkdirSync(work, { recursive: true });
    const code = (source: string, id: string) => ({ cell_type: 'code' as const, id, metadata: {}, source, outputs: [], execution_count: null });
    const nb: Notebook = {
      nbformat: 4, nbformat_minor: 5,
      metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
      cells: [code(SETUP, 'setup'), code(STRESS, 'stress'), code(NEXT, 'next')],
    };
    const file = join(work, 'stress.ipynb');
    writeNotebook(file, nb);
    const res = await runNotebooks({ names: [file], runner: 'jupyter', outDir: join(work, 'jupyter'), env: { SPINELAB_BACKEND: 'wasm' } });
    expect(res.runs[0].failure?.stderr ?? '').toBe('');
    expect(res.ok).toBe(true);
    const [, stress, next] = readNotebook(res.runs[0].out).cells;
    const stdout = stress.outputs!.filter((o) => o.output_type === 'stream' && o.name === 'stdout').map(outputText).join('');
    expect(stdout.split('\n').filter(Boolean)).toEqual(expectedLines);
    expect(stress.outputs!.filter((o) => o.output_type === 'stream' && o.name === 'stderr')).toEqual([]);
    // nbclient applies update_display_data to the output in place: the final states are kept.
    const shown = stress.outputs!.filter((o) => o.output_type === 'display_data').map((o) => [o.data!['text/plain']].flat().join(''));
    expect(shown).toContain(LAST_TSLAB);
    expect(shown).toContain(LAST_OURS);
    expect(shown.some((s) => s.startsWith(`stress: loop ${LINES}/${LINES} (100%)`)), shown.join('\n')).toBe(true);
    expect(next.outputs!.map(outputText).join('')).toBe('worker ok\nnext cell 42\n');
  });
});
