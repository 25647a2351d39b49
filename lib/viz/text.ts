/**
 * Break a figure title into lines that fit the figure: plotly centres a title and clips what
 * overflows on both sides (a long series title lost its study id in narrow notebooks). Breaks go
 * after ", " or ": " where the phrases fit, else at spaces; existing `<br>` breaks are kept.
 * Plotly's default 17 px title font averages ~9 px a character.
 */
export function wrapTitle(text: string, widthPx: number, charPx = 9): string {
  const max = Math.max(12, Math.floor((widthPx - 40) / charPx));
  return text.split('<br>').map((line) => wrapLine(line, max)).join('<br>');
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
