/**
 * One CSV field as RFC 4180 wants it: quoted when it holds a comma, a quote, CR or LF (or starts
 * or ends with a space), quotes doubled inside; null and undefined as empty.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A CSV document: a header of `columns`, then one record a row; CRLF line ends (RFC 4180). */
export function toCsv(columns: readonly string[], rows: readonly object[]): string {
  return [columns, ...rows.map((row) => columns.map((c) => (row as Record<string, unknown>)[c]))]
    .map((record) => `${record.map(csvField).join(',')}\r\n`)
    .join('');
}
