import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/core/paths.js';
import { runNotebooks } from '../../lib/pipeline/runner/run.js';
import { outputText, readNotebook, writeNotebook, type Notebook } from '../../lib/pipeline/runner/nbformat.js';
import { PLOTLY_MIME } from '../../lib/notebook/display.js';
import { pythonReference } from '../helpers/python.js';

/**
 * Real kernels: the Python-free runner on a notebook that fails inside lib, and the Jupyter
 * (nbclient) runner on the smoke notebook. The browser test runs the smoke notebook through the
 * Python-free runner.
 */
const root = projectRoot();
// Inside the project so the kernel resolves @spinelab/lib from the notebook's folder.
const work = join(root, 'output', 'test-notebook-runner');
const NBCLIENT = pythonReference(['nbclient', 'nbformat']);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function code(source: string, id: string) {
  return { cell_type: 'code' as const, id, metadata: {}, source, outputs: [], execution_count: null };
}

describe('Python-free runner', () => {
  it('runs cells in order, keeps outputs, stops at the failing cell and reports its lib error', async () => {
    mkdirSync(work, { recursive: true });
    const nb: Notebook = {
      nbformat: 4, nbformat_minor: 5,
      metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
      cells: [
        code(`import 'tsx/cjs';\nconsole.log('before', process.env.SPINELAB_PRESET);\nvoid process.stdout.write('10%\\r50%\\r100%\\n');`, 'c0'),
        code(`import { progress } from '@spinelab/lib/notebook';\nconst p = progress('loop');\nfor (let i = 1; i <= 40; i++) p({ label: 'x', done: i, total: 40 });`, 'c1'),
        code(`import { sliceViewer } from '@spinelab/lib/viz';\nsliceViewer({ data: new Float32Array(4), shape: [2, 2], dtype: 'float32' });`, 'c2'),
        code(`console.log('after');`, 'c3'),
      ],
    };
    writeNotebook(join(work, 'fail.ipynb'), nb);
    const lines: string[] = [];
    const res = await runNotebooks({ names: [join(work, 'fail.ipynb')], outDir: join(work, 'out'), env: { SPINELAB_PRESET: 'tiny' }, onLog: (l) => lines.push(l) });
    expect(res.ok).toBe(false);
    const [run] = res.runs;
    expect(lines[0]).toMatch(/^FAIL .*fail\.ipynb/);
    expect(run.failure!.index).toBe(2);
    expect(run.failure!.stderr).toContain('sliceViewer expects slices × rows × cols, got shape [2,2]');
    // source maps: the stack points at the lib's TypeScript
    expect(run.failure!.stderr).toMatch(/lib\/viz\/slices\.ts:\d+/);

    const out = readNotebook(run.out);
    const [c0, c1, c2, c3] = out.cells;
    expect(c0.outputs!.map(outputText).join('')).toBe('before tiny\n100%\n');
    expect([c0.execution_count, c1.execution_count, c2.execution_count]).toEqual([1, 2, 3]);
    // one progress display, updated in place to its final state
    expect(c1.outputs).toHaveLength(1);
    expect(String(c1.outputs![0].data!['text/plain'])).toMatch(/^loop: x 40\/40 \(100%\)/);
    expect(c3.outputs).toEqual([]);
    expect(c3.execution_count).toBeNull();
  });
});

describe.skipIf(!NBCLIENT.ok)(`Jupyter runner (${NBCLIENT.ok ? 'nbclient' : NBCLIENT.skipReason})`, () => {
  it('runs the smoke notebook with every figure as plotly JSON + HTML + text', async () => {
    const res = await runNotebooks({ names: ['00_Smoke'], runner: 'jupyter', outDir: join(work, 'jupyter'), env: { SPINELAB_PRESET: 'tiny' } });
    expect(res.runs[0].failure?.stderr ?? '').toBe('');
    expect(res.ok).toBe(true);
    const nb = readNotebook(res.runs[0].out);
    const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
    const figures = outputs.filter((o) => String(o.data?.['text/html'] ?? '').includes('spinelab-plot'));
    expect(figures.length).toBe(10);
    // nbformat stores multi-line strings as lists of lines
    for (const f of figures) expect([f.data!['text/plain']].flat().join('')).toMatch(/^\[figure\] /);
    // small figures carry the plotly MIME copy; the image-heavy slice viewer may not
    expect(figures.filter((f) => f.data![PLOTLY_MIME]).length).toBeGreaterThanOrEqual(8);
    expect(outputs.filter((o) => o.name === 'stderr')).toEqual([]);
    expect(nb.cells.filter((c) => c.cell_type === 'code').every((c) => typeof c.execution_count === 'number')).toBe(true);
    // signed by run_notebooks.py, so classic Notebook trusts the plots
    const check = NBCLIENT.run(['-c', 'import sys, nbformat\nfrom nbformat.sign import NotebookNotary\nprint(NotebookNotary().check_signature(nbformat.read(sys.argv[1], as_version=4)))', res.runs[0].out]);
    expect(check.trim()).toBe('True');
    expect(readFileSync(res.runs[0].out, 'utf8').length).toBeLessThan(4e6);
  });
});

describe('spinelab notebooks (CLI)', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin', 'spinelab.mjs'), 'notebooks', ...args], { encoding: 'utf8', cwd: root });
  it('rejects a bad runner and an unknown notebook with exit 2', () => {
    const a = cli('--runner', 'papermill');
    expect(a.status).toBe(2);
    expect(a.stderr).toContain('--runner must be node or jupyter, got "papermill"');
    const b = cli('99_Nope');
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/no notebook "99_Nope" in .*notebooks \(have: .*00_Smoke\.ipynb/);
  });
});
