import { readerGone } from './reader-gone';
import { alignments, columnWidths, formatValue, tableLines, type Column } from './table';

export interface OutputOptions {
  /** `--json`: stdout carries nothing but JSON, one value per line. */
  json: boolean;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream;
}

const CLEAR_SCREEN = '\x1b[H\x1b[2J';

/**
 * The single place the CLI prints from. Commands hand it plain objects; it prints them as one
 * JSON line each (`--json`) or as aligned human tables. Diagnostics go to stderr, so stdout stays
 * data only.
 */
export class Output {
  readonly json: boolean;
  /**
   * Aborted once nobody reads stdout any more (a closed pipe): long or endless commands stop on
   * it, and nothing more is written.
   */
  readonly stdoutGone: AbortSignal;
  private readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  private readonly stderr: NodeJS.WritableStream;
  private documents = 0;

  constructor(options: OutputOptions) {
    this.json = options.json;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    this.stdoutGone = readerGone(this.stdout);
    // A closed stderr (`2>&1 | head`) has nobody to tell; it must not crash the process either.
    readerGone(this.stderr);
  }

  /**
   * One result. Human form: top-level fields as `label  value` rows, each nested object as a
   * titled section, arrays of objects as column tables. `refresh` redraws the screen in place on
   * a terminal (for `--watch`).
   */
  document(data: object, options: { title?: string; refresh?: boolean } = {}): void {
    if (this.json) {
      this.write(`${JSON.stringify(data)}\n`);
      return;
    }
    let text = '';
    if (options.refresh && this.stdout.isTTY) text += CLEAR_SCREEN;
    else if (this.documents > 0) text += '\n';
    if (options.title) text += `${options.title}\n`;
    text += renderDocument(data);
    this.documents++;
    this.write(text);
  }

  /** A whole table at once: a header, then a line a row, each column as wide as it needs. */
  table(columns: readonly Column[], rows: readonly Record<string, unknown>[]): void {
    if (this.json) {
      for (const row of rows) this.write(`${JSON.stringify(row)}\n`);
      return;
    }
    this.write(lines(tableLines(columns, rows)));
  }

  /**
   * A table printed as its rows arrive (a page or a row at a time): the header with the first,
   * whose values (and the columns' least widths) fix the widths; a longer value later wraps inside
   * its column, so every row stays under its header. With `--json`, each row is one JSON line
   * instead (`json` when given, else the row).
   */
  rows(columns: readonly Column[]): RowPrinter {
    let fixed: { widths: number[]; aligns: ('left' | 'right')[] } | undefined;
    const page = (rows: readonly Record<string, unknown>[], json?: object): void => {
      if (this.json) {
        for (const row of rows) this.write(`${JSON.stringify(json ?? row)}\n`);
        return;
      }
      if (rows.length === 0) return;
      const header = fixed === undefined;
      fixed ??= { widths: columnWidths(columns, rows), aligns: alignments(columns, rows) };
      this.write(lines(tableLines(columns, rows, { ...fixed, header })));
    };
    return Object.assign((row: Record<string, unknown>, json?: object) => page([row], json), {
      page: (rows: readonly Record<string, unknown>[]) => page(rows),
    });
  }

  private write(text: string): void {
    if (!this.stdoutGone.aborted) this.stdout.write(text);
  }

  /** A diagnostic line on stderr. */
  note(message: string): void {
    this.stderr.write(`${message}\n`);
  }

  /** Text printed as it is on stdout (CSV, a chart): forms that are neither JSON nor a table. */
  text(text: string): void {
    this.write(text);
  }

  /**
   * Resolves once stdout has room again, so a long stream of records never piles up in memory;
   * at once when its reader has gone ('drain' would never come).
   */
  async drained(): Promise<void> {
    const out = this.stdout as NodeJS.WritableStream & { writableNeedDrain?: boolean };
    if (!out.writableNeedDrain || this.stdoutGone.aborted) return;
    const gone = this.stdoutGone;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        out.off('drain', done);
        gone.removeEventListener('abort', done);
        resolve();
      };
      out.once('drain', done);
      gone.addEventListener('abort', done);
    });
  }

  /** True when stdout is a terminal: charts are for people, not for pipes. */
  get stdoutIsTTY(): boolean {
    return this.stdout.isTTY === true;
  }

  /**
   * A progress line redrawn in place on stderr, only when stderr is a terminal (a log file would
   * fill with them); `done` ends the line.
   */
  progress(message: string, done = false): void {
    if ((this.stderr as { isTTY?: boolean }).isTTY !== true) return;
    this.stderr.write(`\r\x1b[K${message}${done ? '\n' : ''}`);
  }
}

/** Prints a row (`print(row, json)`), or a page of rows (`print.page(rows)`); see Output.rows. */
export interface RowPrinter {
  (row: Record<string, unknown>, json?: object): void;
  page(rows: readonly Record<string, unknown>[]): void;
}

type Line =
  { kind: 'row'; indent: number; label: string; value: string } | { kind: 'text'; text: string };

/** The human form of a plain object; exported for tests. */
export function renderDocument(data: object): string {
  const lines: Line[] = [];
  const scalars: [string, unknown][] = [];
  const sections: [string, unknown][] = [];
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined) continue;
    (isSection(value) ? sections : scalars).push([key, value]);
  }
  for (const [key, value] of scalars) {
    lines.push({ kind: 'row', indent: 0, label: humanLabel(key), value: formatValue(value) });
  }
  for (const [key, value] of sections) {
    if (lines.length > 0) lines.push({ kind: 'text', text: '' });
    lines.push({ kind: 'text', text: humanLabel(key) });
    if (Array.isArray(value)) {
      for (const text of renderTable(value as Record<string, unknown>[])) {
        lines.push({ kind: 'text', text: `  ${text}` });
      }
      continue;
    }
    for (const [field, inner] of Object.entries(value as object)) {
      if (inner === undefined) continue;
      lines.push({ kind: 'row', indent: 2, label: humanLabel(field), value: formatValue(inner) });
    }
  }
  const width = Math.max(
    0,
    ...lines.map((l) => (l.kind === 'row' ? l.indent + l.label.length : 0)),
  );
  return lines
    .map((l) =>
      l.kind === 'text'
        ? `${l.text}\n`
        : `${' '.repeat(l.indent)}${l.label.padEnd(width - l.indent)}  ${l.value}\n`,
    )
    .join('');
}

function renderTable(rows: Record<string, unknown>[]): string[] {
  if (rows.length === 0) return ['(none)'];
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return tableLines(
    keys.map((key) => ({ key, label: humanLabel(key) })),
    rows,
  );
}

function lines(texts: readonly string[]): string {
  return texts.map((line) => `${line}\n`).join('');
}

function isSection(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0 || isPlainObject(value[0]);
  return isPlainObject(value);
}

function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `anonymousSessions` → `anonymous sessions`, `rolling30Exact` → `rolling 30 exact`. */
export function humanLabel(key: string): string {
  return key
    .replace(/([a-z])([A-Z0-9])/g, '$1 $2')
    .replace(/([0-9])([A-Za-z])/g, '$1 $2')
    .toLowerCase();
}
