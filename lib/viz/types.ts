/**
 * Minimal plotly.js figure types. Builders return plain JSON-able specs: no DOM, no side effects,
 * so tests inspect them and `show()` (lib/notebook) sends them to whichever frontend is open.
 */
export interface Trace {
  type: string;
  [key: string]: unknown;
}

export type Layout = Record<string, unknown>;

export interface Figure {
  data: Trace[];
  layout: Layout;
  /** plotly config (displaylogo, responsive…); `show()` fills sensible defaults. */
  config?: Record<string, unknown>;
}

/** A number per category, e.g. a class count. */
export interface Series {
  name: string;
  values: ArrayLike<number>;
  /** Colour of the whole series (defaults from the palette). */
  color?: string;
}

/** Common options of every builder. */
export interface FigureOptions {
  title?: string;
  /** Pixel size; plotly fills the width of the output area when omitted. */
  width?: number;
  height?: number;
}
