/**
 * Break a figure title into lines that fit the figure: plotly centres a title and clips what
 * overflows on both sides (a long series title lost its study id in narrow notebooks). Breaks go
 * after ", " or ": " or at spaces; existing `<br>` breaks are kept. Plotly's default 17 px title
 * font averages ~9 px a character.
 */
export function wrapTitle(text: string, widthPx: number, charPx = 9): string {
  const max = Math.max(12, Math.floor((widthPx - 40) / charPx));
  return text.split('<br>').map((line) => wrapLine(line, max)).join('<br>');
}

function wrapLine(line: string, max: number): string {
  if (visibleLength(line) <= max) return line;
  // Tokens keep their trailing separator so the join restores the text exactly.
  const tokens = line.match(/[^\s,:]+(?:[,:]?\s+|[,:]|$)/g) ?? [line];
  const lines: string[] = [];
  let cur = '';
  for (const t of tokens) {
    if (cur && visibleLength(cur + t.trimEnd()) > max) {
      lines.push(cur.trimEnd());
      cur = '';
    }
    cur += t;
  }
  if (cur) lines.push(cur.trimEnd());
  return lines.join('<br>');
}

/** Length without HTML tags (plotly titles may hold `<sub>`, `<b>`). */
function visibleLength(s: string): number {
  return s.replace(/<[^>]*>/g, '').length;
}
