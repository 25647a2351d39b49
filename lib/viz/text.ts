import type { Figure } from './types.js';

/** Height of one extra title line, in px (17 px font and its line gap). */
export const TITLE_LINE_PX = 22;

/**
 * Break a figure title into lines that fit the figure: plotly centres a title and clips what
 * overflows on both sides (a long series title lost its study id in narrow notebooks). Breaks go
 * after ", " or ": " where the phrases fit, else at spaces; existing `<br>` breaks are kept.
 * Plotly's default 17 px title font averages ~9 px a character.
 */
export function wrapTitle(text: string, widthPx: number, charPx = 9): string {
  const max = Math.max(12, Math.floor((widthPx - 40) / charPx));
  // A <sub> subtitle line is drawn smaller and kept whole (its tags must stay on one line).
  return text.split('<br>').map((line) => (line.startsWith('<sub>') ? line : wrapLine(line, max))).join('<br>');
}

function wrapLine(line: string, max: number): string {
  if (visibleLength(line) <= max) return line;
  // Phrases end after ", " or ": " (kept whole where they fit); a phrase too long alone breaks at spaces.
  const phrases = line.split(/(?<=[,:])\s+/);
  const pieces = phrases.flatMap((p) => (visibleLength(p) <= max ? [p] : p.split(/\s+/)));
  const lines: string[] = [];
  let cur = '';
  for (const piece of pieces) {
    const next = cur ? `${cur} ${piece}` : piece;
    if (cur && visibleLength(next) > max) {
      lines.push(cur);
      cur = piece;
    } else cur = next;
  }
  if (cur) lines.push(cur);
  return lines.join('<br>');
}

/** Length without HTML tags (plotly titles may hold `<sub>`, `<b>`). */
function visibleLength(s: string): number {
  return s.replace(/<[^>]*>/g, '').length;
}

/**
 * A figure whose title fits its width: wrapped (`wrapTitle`), with the top margin and the height
 * grown by one line per line added, so the plot area keeps its size. Figures without a pixel width
 * (they fill the output area) are returned as they are. Every figure shown goes through this.
 */
export function fitTitle(fig: Figure): Figure {
  const { width, title } = fig.layout;
  const text = typeof title === 'string' ? title : (title as { text?: string } | undefined)?.text;
  if (typeof width !== 'number' || !text) return fig;
  const wrapped = wrapTitle(text, width);
  const extra = wrapped.split('<br>').length - text.split('<br>').length;
  if (!extra) return fig;
  const margin = (fig.layout.margin ?? {}) as { t?: number };
  const height = fig.layout.height;
  return {
    ...fig,
    layout: {
      ...fig.layout,
      title: typeof title === 'string' ? wrapped : { ...(title as object), text: wrapped },
      margin: { ...margin, t: (margin.t ?? 100) + TITLE_LINE_PX * extra }, // plotly's default top margin is 100
      ...(typeof height === 'number' ? { height: height + TITLE_LINE_PX * extra } : {}),
    },
  };
}
