/** Eighths of a block, from empty to full: a horizontal bar gains one eighth of a cell per step. */
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const FULL = '█';
/** Sparkline levels, lowest to highest. */
const SPARKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** One series of a bar chart: a name and one value per label. */
export interface ChartSeries {
  name: string;
  values: readonly number[];
}

/**
 * A horizontal bar of `value` on a scale where `max` fills `width` cells, to the eighth of a cell.
 * Any value above 0 shows at least a sliver, so a small day is not mistaken for an empty one.
 */
export function bar(value: number, max: number, width: number): string {
  if (!(value > 0) || !(max > 0) || width <= 0) return '';
  const eighths = Math.max(1, Math.round((Math.min(value, max) / max) * width * 8));
  return FULL.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/**
 * One character a value, scaled from 0 to `max` (default: the largest value), blank for 0, so
 * columns line up.
 */
export function sparkline(values: readonly number[], max = Math.max(0, ...values)): string {
  return values
    .map((v) =>
      max > 0 && v > 0 ? SPARKS[Math.min(7, Math.floor((Math.min(v, max) / max) * 7.999))] : ' ',
    )
    .join('');
}

/**
 * A bar chart with one row per label and one bar per series, all on one scale (the largest value
 * of any series fills `width`), so bars compare across series: `2026-11-20  DAU  ████▌ 1,234`.
 * Rows are plain text, ready for a terminal.
 */
export function barChart(
  labels: readonly string[],
  series: readonly ChartSeries[],
  width = 30,
): string {
  const labelWidth = Math.max(0, ...labels.map((l) => l.length));
  const nameWidth = Math.max(0, ...series.map((s) => s.name.length));
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  const lines: string[] = [];
  labels.forEach((label, row) => {
    series.forEach((s, i) => {
      const value = s.values[row] ?? 0;
      const head = i === 0 ? label.padEnd(labelWidth) : ' '.repeat(labelWidth);
      const drawn = bar(value, max, width);
      lines.push(
        `${head}  ${s.name.padEnd(nameWidth)}  ${drawn.padEnd(width)} ${value.toLocaleString('en-US')}`.trimEnd(),
      );
    });
  });
  return lines.map((l) => `${l}\n`).join('');
}
