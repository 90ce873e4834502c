import Table from 'cli-table3';

/** One column of a human table. */
export interface Column {
  key: string;
  label: string;
  /** Least width, for tables printed a row at a time whose values grow (the demo's counts). */
  width?: number;
  /** Default: right for numbers (by the first row that has a value), left for the rest. */
  align?: 'left' | 'right';
}

/** No borders: columns two spaces apart, as `ps` or `kubectl get` print them. */
const BORDERLESS = {
  chars: {
    top: '',
    'top-mid': '',
    'top-left': '',
    'top-right': '',
    bottom: '',
    'bottom-mid': '',
    'bottom-left': '',
    'bottom-right': '',
    left: '',
    'left-mid': '',
    mid: '',
    'mid-mid': '',
    right: '',
    'right-mid': '',
    middle: '  ',
  },
  style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
};

export interface TableOptions {
  /** Print the labels as the first line (default true). */
  header?: boolean;
  /**
   * Fixed column widths (see columnWidths); a longer value wraps inside its column, so rows
   * printed later still line up under the header. Without: each column as wide as its widest cell.
   */
  widths?: number[];
  /** Alignments decided earlier (see alignments), for rows printed later. */
  aligns?: ('left' | 'right')[];
}

/**
 * The lines of a borderless table (cli-table3): a header, then one line a row (more where a value
 * wraps), cells formatted by formatValue, numbers right-aligned. No trailing spaces.
 */
export function tableLines(
  columns: readonly Column[],
  rows: readonly Record<string, unknown>[],
  options: TableOptions = {},
): string[] {
  const table = new Table({
    ...BORDERLESS,
    head: options.header === false ? [] : columns.map((c) => c.label),
    colAligns: options.aligns ?? alignments(columns, rows),
    ...(options.widths ? { colWidths: options.widths, wordWrap: true } : {}),
    ...(options.widths ? { wrapOnWordBoundary: false } : {}),
  });
  for (const row of rows) table.push(columns.map((c) => formatValue(row[c.key])));
  if (rows.length === 0 && options.header === false) return [];
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd());
}

/** Widths that fit the labels, the columns' least widths and these rows' values. */
export function columnWidths(
  columns: readonly Column[],
  rows: readonly Record<string, unknown>[],
): number[] {
  return columns.map((c) =>
    Math.max(c.label.length, c.width ?? 0, ...rows.map((r) => formatValue(r[c.key]).length)),
  );
}

/** Each column's alignment: as given, else right when its first value is a number. */
export function alignments(
  columns: readonly Column[],
  rows: readonly Record<string, unknown>[],
): ('left' | 'right')[] {
  return columns.map((c) => {
    if (c.align) return c.align;
    const first = rows.find((r) => r[c.key] !== null && r[c.key] !== undefined)?.[c.key];
    return typeof first === 'number' ? 'right' : 'left';
  });
}

/** Integers with thousands separators, fractions as they are, booleans as yes/no, null as `-`. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'number') {
    return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
  }
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.map(formatValue).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
