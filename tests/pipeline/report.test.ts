import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReport, markdown, mergeNotebooks, renderHtml, stripSystemScripts } from '../../lib/pipeline/report.js';
import { clearOutputs, foldCarriageReturns, writeNotebook, type Notebook } from '../../lib/pipeline/runner/nbformat.js';
import { resolveNotebooks } from '../../lib/pipeline/runner/run.js';

const dir = mkdtempSync(join(tmpdir(), 'spinelab-report-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LOADER = { output_type: 'display_data' as const, data: { 'text/html': '<script>/* plotly.js-cartesian-dist-min 4.1.1, inlined once per kernel session */ window.Plotly={}</script>', 'text/plain': '' }, metadata: {} };
function nb(title: string): Notebook {
  return {
    nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'tslab' } },
    cells: [
      { cell_type: 'markdown', id: 'a', metadata: {}, source: `# ${title}` },
      { cell_type: 'code', id: 'b', metadata: {}, execution_count: 1, source: 'show(x)', outputs: [LOADER, { output_type: 'stream', name: 'stdout', text: `${title} <ok>\n` }] },
    ],
  };
}

describe('notebook helpers', () => {
  it('folds carriage returns like a terminal', () => {
    expect(foldCarriageReturns('10%\r50%\r100%\ndone\n')).toBe('100%\ndone\n');
    expect(foldCarriageReturns('abcdef\rXY\r\nz')).toBe('XYcdef\nz');
  });

  it('clearOutputs empties code cells only', () => {
    const c = clearOutputs(nb('A'));
    expect(c.cells[1]).toMatchObject({ outputs: [], execution_count: null });
    expect(c.cells[0].source).toBe('# A');
  });

  it('resolves notebook names by exact name, stem or unique prefix', () => {
    expect(resolveNotebooks(['00'])[0]).toMatch(/notebooks\/00_Smoke\.ipynb$/);
    expect(resolveNotebooks(['00_Smoke'])[0]).toMatch(/00_Smoke\.ipynb$/);
    expect(() => resolveNotebooks(['99_Nope'])).toThrow(/no notebook "99_Nope"/);
  });
});

describe('report', () => {
  const files = ['A', 'B'].map((t) => {
    const f = join(dir, `${t}.ipynb`);
    writeNotebook(f, nb(t));
    return f;
  });

  it('merging keeps one plotly loader and makes cell ids unique', () => {
    const m = mergeNotebooks(files, 'R');
    const loaders = m.cells.flatMap((c) => c.outputs ?? []).filter((o) => o === LOADER || JSON.stringify(o).includes('inlined once'));
    expect(loaders).toHaveLength(1);
    const ids = m.cells.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(String(m.cells[0].source)).toContain('1. [A](#nb-0)\n2. [B](#nb-1)');
  });

  it('the built-in renderer needs no Python and escapes text outputs', () => {
    const out = join(dir, 'r.html');
    expect(buildReport(files, out, { renderer: 'node', title: 'R' })).toBe('node');
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<h1>A</h1>');
    expect(html).toContain('A &lt;ok&gt;');
    expect(html.match(/inlined once per kernel session/g)).toHaveLength(1);
    expect(html).toContain('<span class="prompt">In [1]:</span>');
  });

  it('renders the markdown subset', () => {
    expect(markdown('## T\n\nSome `code` and **bold** [l](#x)\n- one\n- two')).toBe(
      '<h2>T</h2>\n<p>Some <code>code</code> and <b>bold</b> <a href="#x">l</a></p>\n<ul><li>one</li><li>two</li></ul>');
  });

  it('strips the Debian template links to system require.js / MathJax only', () => {
    const html = '<script src="file:///usr/share/javascript/requirejs/require.min.js"></script><script src="x.js"></script>';
    expect(stripSystemScripts(html)).toBe('<script src="x.js"></script>');
    expect(renderHtml(nb('C'), 't')).not.toContain('/usr/share/javascript');
  });
});
