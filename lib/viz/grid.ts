import type { Layout } from './types.js';

/** Axis ids and domains of a rows × columns subplot grid (row 0 at the top). */
export interface GridCell {
  /** Trace refs: 'x', 'x2', … and 'y', 'y2', … */
  xref: string;
  yref: string;
  /** Layout keys: 'xaxis', 'xaxis2', … */
  xkey: string;
  ykey: string;
  xDomain: [number, number];
  yDomain: [number, number];
}

export function gridCells(n: number, columns: number, gap = { x: 0.04, y: 0.1 }): GridCell[] {
  const cols = Math.max(1, Math.min(columns, n));
  const rows = Math.ceil(n / cols);
  const w = (1 - gap.x * (cols - 1)) / cols;
  const h = (1 - gap.y * (rows - 1)) / rows;
  return Array.from({ length: n }, (_, i) => {
    const r = Math.floor(i / cols);
    const c = i % cols;
    const s = i === 0 ? '' : String(i + 1);
    const x0 = c * (w + gap.x);
    const y1 = 1 - r * (h + gap.y);
    return {
      xref: `x${s}`, yref: `y${s}`, xkey: `xaxis${s}`, ykey: `yaxis${s}`,
      xDomain: [x0, Math.min(1, x0 + w)], yDomain: [Math.max(0, y1 - h), y1],
    };
  });
}

/** Subplot titles as paper-anchored annotations above each cell. */
export function cellTitles(cells: GridCell[], titles: string[]): Layout[] {
  return cells.map((c, i) => ({
    text: titles[i] ?? '', showarrow: false, xref: 'paper', yref: 'paper',
    x: (c.xDomain[0] + c.xDomain[1]) / 2, y: c.yDomain[1], xanchor: 'center', yanchor: 'bottom',
    font: { size: 12 },
  }));
}
