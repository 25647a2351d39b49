import { afterEach, describe, expect, it, vi } from 'vitest';
import { display, figureBundle, figureText, liveFigure, PLOTLY_MIME, show } from '../../lib/notebook/display.js';
import { kernelWriter, setDisplayWriter, type DisplayMessage } from '../../lib/notebook/kernel.js';
import { progress, progressLine } from '../../lib/notebook/progress.js';
import { coalesce } from '../../lib/notebook/coalesce.js';
import { tableBundle } from '../../lib/notebook/table.js';
import { liveLearningCurves, savedCurvePoints } from '../../lib/notebook/live.js';
import { learningCurves } from '../../lib/viz/curves.js';
import type { Figure } from '../../lib/viz/types.js';

const fig: Figure = { data: [{ type: 'scatter', x: [1, 2], y: [3, 4], name: 'a</script><b>' }], layout: { title: { text: 'T' }, width: 300, height: 200 } };

function capture(): { msgs: { msg: DisplayMessage; update: boolean }[] } {
  const out = { msgs: [] as { msg: DisplayMessage; update: boolean }[] };
  setDisplayWriter((msg, update) => out.msgs.push({ msg, update }));
  return out;
}

afterEach(() => {
  setDisplayWriter(undefined);
  vi.useRealTimers();
});

describe('figure bundles', () => {
  it('carry plotly JSON, HTML and text in one display', () => {
    const b = figureBundle(fig, { divId: 'd1' });
    expect(Object.keys(b).sort()).toEqual([PLOTLY_MIME, 'text/html', 'text/plain'].sort());
    expect((b[PLOTLY_MIME] as Figure).data).toEqual(fig.data);
    const html = String(b['text/html']);
    expect(html).toContain('<div id="d1"');
    expect(html).toContain('width:300px;height:200px;');
    // the trace name cannot close the script element
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    expect(html).toContain('a\\u003c/script\\u003e\\u003cb\\u003e');
    // the embedded JSON parses back to the same figure
    const json = /var fig = (.*);\n/.exec(html)![1];
    expect(JSON.parse(json).data).toEqual(fig.data);
  });

  it('text fallback names the title and traces', () => {
    expect(figureText(fig)).toBe('[figure] T: 1 trace (scatter) — a</script><b>');
  });

  it('outside a kernel show() prints the text form', () => {
    setDisplayWriter(null);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    show(fig);
    expect(log).toHaveBeenCalledWith(figureText(fig));
    log.mockRestore();
  });

  it('real lookup finds no tslab writer in vitest', () => {
    expect(kernelWriter()).toBeNull();
  });
});

describe('in a kernel (captured writer)', () => {
  it('inlines plotly.js once per session, before the first figure', () => {
    const cap = capture();
    show(fig);
    show(fig);
    const loaders = cap.msgs.filter((m) => String(m.msg.data['text/html']).includes('inlined once per kernel session'));
    expect(loaders).toHaveLength(1);
    expect(cap.msgs[0]).toBe(loaders[0]);
    // the bundle's own closing tags are escaped: exactly one </script> in the loader
    expect(String(loaders[0].msg.data['text/html']).match(/<\/script>/gi)).toHaveLength(1);
    expect(String(loaders[0].msg.data['text/html']).length).toBeGreaterThan(1e6);
    expect(cap.msgs.filter((m) => m.msg.data[PLOTLY_MIME])).toHaveLength(2);
  });

  it('a live figure updates its own display in place', () => {
    const cap = capture();
    const live = liveFigure(fig);
    live.update({ ...fig, layout: { ...fig.layout, title: { text: 'T2' } } });
    const own = cap.msgs.filter((m) => m.msg.transient.display_id === live.handle.id);
    expect(own.map((m) => m.update)).toEqual([false, true]);
    expect(String(own[1].msg.data['text/plain'])).toContain('T2');
    // the redraw targets the same div
    const div = (m: { msg: DisplayMessage }) => /<div id="([^"]+)"/.exec(String(m.msg.data['text/html']))![1];
    expect(div(own[0])).toBe(div(own[1]));
  });

  it('live learning curves redraw at most every interval and flush the full figure', () => {
    const cap = capture();
    const curves = liveLearningCurves({ intervalMs: 60_000 });
    for (let s = 1; s <= 5; s++) curves.add({ step: s, loss: 1 / s });
    curves.flush();
    const figs = cap.msgs.filter((m) => m.msg.data[PLOTLY_MIME]);
    expect(figs.map((m) => m.update)).toEqual([false, true]); // first point, then the flush
    expect((figs[1].msg.data[PLOTLY_MIME] as Figure).data[0].x).toEqual([1, 2, 3, 4, 5]);
    expect(curves.figure()).toEqual(learningCurves(curves.points as never));
  });

  it('live learning curves coalesce a burst of points and draw the latest ones at the next tick without a flush', () => {
    vi.useFakeTimers();
    const cap = capture();
    let t = 0;
    const curves = liveLearningCurves({ intervalMs: 2000, now: () => t });
    for (let s = 1; s <= 300; s++) {
      t = s * 10; // 100 points a second for 3 s
      curves.add({ step: s, loss: 1 / s });
    }
    const figs = () => cap.msgs.filter((m) => m.msg.data[PLOTLY_MIME]);
    expect(figs()).toHaveLength(2); // at 10 ms and 2010 ms
    t = 4010;
    vi.advanceTimersByTime(2000); // the cell ended without flush(): the timer draws the rest
    expect(figs()).toHaveLength(3);
    expect((figs()[2].msg.data[PLOTLY_MIME] as Figure).data[0].x).toHaveLength(300);
  });

  it('live learning curves with no point (every fold resumed) draw the saved curves instead of an empty figure', () => {
    const cap = capture();
    const saved = [{ fold: 0, step: 10, epoch: 1, lr: 1e-3, trainLoss: 0.9, valLoss: 0.8, metric: 0.7 }, { fold: 0, step: 20, epoch: 2, lr: 1e-3, trainLoss: 0.6, valLoss: 0.7, metric: 0.75 }];
    const resumed = liveLearningCurves({ title: 'T', intervalMs: 60_000 });
    resumed.flush(() => savedCurvePoints(saved, 'val_auc'));
    const fig = cap.msgs.filter((m) => m.msg.data[PLOTLY_MIME]).pop()!.msg.data[PLOTLY_MIME] as Figure;
    expect(fig.data.length).toBeGreaterThan(0);
    expect((fig.layout.title as { text: string }).text).toMatch(/^T \(saved with the models\)/);
    expect(resumed.points).toEqual([
      { fold: 0, step: 10, train_loss: 0.9, val_loss: 0.8, val_auc: 0.7 },
      { fold: 0, step: 20, train_loss: 0.6, val_loss: 0.7, val_auc: 0.75 },
    ]);
    // a run that trained keeps its live points; the saved curves are not even read
    const trained = liveLearningCurves({ intervalMs: 60_000 });
    trained.add({ step: 1, loss: 1 });
    trained.flush(() => {
      throw new Error('not read');
    });
    expect(trained.points).toHaveLength(1);
  });

  it('a long title is wrapped to the figure width, the top margin and height grown to keep the plot area', () => {
    const long = 'Study 4003253 Sagittal T2/STIR (series 1525089795): disc centres and crop boxes (±0.1)';
    const spec = (fig: Figure) => figureBundle(fig)[PLOTLY_MIME] as Figure;
    const narrow = spec({ data: [], layout: { width: 420, height: 300, title: { text: long } } });
    const lines = (narrow.layout.title as { text: string }).text.split('<br>');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join(' ')).toBe(long);
    expect(narrow.layout.margin).toEqual({ t: 100 + 22 * (lines.length - 1) });
    expect(narrow.layout.height).toBe(300 + 22 * (lines.length - 1));
    // a figure that fills the output area, or whose title fits, is left as it is
    expect(spec({ data: [], layout: { title: { text: long } } }).layout).toEqual({ title: { text: long } });
    expect(spec({ data: [], layout: { width: 1200, title: { text: long }, margin: { t: 60 } } }).layout.margin).toEqual({ t: 60 });
  });

  it('display() without a text form prints nothing outside a kernel', () => {
    setDisplayWriter(null);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    display({ 'text/html': '<b>x</b>' });
    expect(log).not.toHaveBeenCalled();
    log.mockRestore();
  });
});

describe('coalesce', () => {
  it('publishes at most once per interval, the first and forced states at once, and never loses the latest', () => {
    vi.useFakeTimers();
    let t = 0;
    const out: [number, string][] = [];
    const c = coalesce<string>((s) => out.push([t, s]), 100, () => t);
    c.offer('a'); // first: at once
    t = 30;
    c.offer('b');
    t = 60;
    c.offer('c'); // replaces b
    expect(out).toEqual([[0, 'a']]);
    expect(c.pending).toBe(true);
    t = 100;
    vi.advanceTimersByTime(100);
    expect(out).toEqual([[0, 'a'], [100, 'c']]);
    t = 120;
    c.offer('d');
    t = 130;
    c.offer('e', true); // forced (a final state): at once, and the waiting one is dropped
    expect(out.slice(2)).toEqual([[130, 'e']]);
    expect(c.pending).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(out).toHaveLength(3);
    t = 300;
    c.offer('f'); // the interval has passed: at once
    t = 310;
    c.offer('g');
    c.flush();
    expect(out.slice(3)).toEqual([[300, 'f'], [310, 'g']]);
  });
});

describe('progress', () => {
  it('log mode writes one line per 10 % and the last one', () => {
    const lines: string[] = [];
    const p = progress('prep', { mode: 'log', write: (l) => lines.push(l), now: () => 0 });
    for (let i = 0; i <= 57; i++) p({ label: 'series', done: i, total: 57 });
    expect(lines).toHaveLength(11);
    expect(lines[0]).toMatch(/^prep: series 0\/57 \(0%\)/);
    expect(lines[10]).toMatch(/^prep: series 57\/57 \(100%\)/);
  });

  it('kernel mode throttles in-place updates to the interval and always shows the end', () => {
    const cap = capture();
    let t = 0;
    const p = progress('', { mode: 'kernel', intervalMs: 250, now: () => t });
    for (let i = 1; i <= 100; i++) {
      t = i * 20; // 2 s in all → at most 8 throttled updates + first + last
      p({ label: 'train', done: i, total: 100, detail: `loss=${(1 / i).toFixed(2)}` });
    }
    const ids = new Set(cap.msgs.map((m) => m.msg.transient.display_id));
    expect(ids.size).toBe(1);
    expect(cap.msgs.length).toBeGreaterThanOrEqual(8);
    expect(cap.msgs.length).toBeLessThanOrEqual(10);
    const last = cap.msgs[cap.msgs.length - 1];
    expect(last.update).toBe(true);
    expect(last.msg.data['text/plain']).toBe('train 100/100 (100%) [2.0s<0.0s] loss=0.01');
    expect(String(last.msg.data['text/html'])).toContain('<progress value="100" max="100"');
  });

  it('kernel mode publishes the last state when the loop stops between two ticks (early stop, error, cell end)', () => {
    vi.useFakeTimers();
    const cap = capture();
    let t = 0;
    const p = progress('', { mode: 'kernel', intervalMs: 250, now: () => t });
    for (let i = 1; i <= 37; i++) {
      t = i * 10; // 100 events a second; the loop stops at 37/100, 110 ms after the last update
      p({ label: 'train', done: i, total: 100 });
    }
    const text = () => cap.msgs[cap.msgs.length - 1].msg.data['text/plain'];
    expect(cap.msgs).toHaveLength(2); // the first state (10 ms), one update 250 ms later
    expect(text()).toMatch(/^train 26\/100/);
    t = 500;
    vi.advanceTimersByTime(250);
    expect(cap.msgs).toHaveLength(3);
    expect(text()).toMatch(/^train 37\/100 \(37%\)/);
    expect(cap.msgs[2].update).toBe(true);
    vi.advanceTimersByTime(10_000);
    expect(cap.msgs).toHaveLength(3); // nothing left to publish
  });

  it('a new label starts a new display', () => {
    const cap = capture();
    const p = progress('fit', { mode: 'kernel', now: () => 0 });
    p({ label: 'fold 0', done: 1, total: 1 });
    p({ label: 'fold 1', done: 1, total: 1 });
    expect(new Set(cap.msgs.map((m) => m.msg.transient.display_id)).size).toBe(2);
    expect(cap.msgs[1].msg.data['text/plain']).toMatch(/^fit: fold 1 1\/1/);
  });

  it('progressLine estimates the time left', () => {
    expect(progressLine({ label: 'x', done: 25, total: 100 }, 5000)).toBe('x 25/100 (25%) [5.0s<15s]');
  });
});

describe('tables', () => {
  it('rows become an escaped HTML table and an aligned text table', () => {
    const b = tableBundle([{ a: 1, b: '<x>' }, { a: 2.123456, c: null }], { title: 'T' });
    expect(b['text/html']).toContain('<th>a</th><th>b</th><th>c</th>');
    expect(b['text/html']).toContain('<td>&lt;x&gt;</td>');
    expect(b['text/html']).toContain('2.123');
    expect(b['text/plain'].split('\n')).toEqual(['T', '    a    b  c', '    1  <x>', '2.123', '2 rows × 3 columns']);
  });

  it('limits rows and says how many', () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ i }));
    expect(tableBundle(rows, { maxRows: 5 })['text/plain']).toMatch(/50 rows × 1 columns \(first 5 shown\)$/);
  });

  it('shows a danfojs-node DataFrame with its index', async () => {
    const dfd = await import('danfojs-node');
    const df = new dfd.DataFrame({ level: ['L1/L2', 'L2/L3'], loss: [0.5, 0.25] });
    const html = tableBundle(df as never)['text/html'];
    expect(html).toContain('<th></th><th>level</th><th>loss</th>');
    expect(html).toContain('<tr><th>1</th><td>L2/L3</td><td style="text-align:right">0.25</td></tr>');
  });
});
