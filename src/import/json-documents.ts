import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

/**
 * How a mongoexport file lays out its documents: `ndjson` one a line (the default), `pretty` one
 * after the other over several lines each (`--pretty`), `array` one JSON array (`--jsonArray`,
 * with or without `--pretty`).
 */
export type InputFormat = 'ndjson' | 'pretty' | 'array';

/** One top-level JSON text of the input, with the line it starts on (from 1). */
export interface SourceDocument {
  line: number;
  text: string;
  /** Lines of the input read so far (blank lines included). */
  linesRead: number;
}

/**
 * The documents of a mongoexport file in any of its layouts, one at a time: memory holds one
 * document, never the file. The layout is told by its first line: `[` starts an array, a line
 * that is only `{` starts pretty-printed documents, anything else is NDJSON. In NDJSON a line is
 * a document, so a broken line is one bad document; in the other layouts documents end where
 * their braces balance, and a broken one runs to the end of the input.
 */
export class JsonDocumentReader {
  /** Known once the first document has been read; NDJSON for an empty input. */
  format: InputFormat = 'ndjson';

  constructor(private readonly input: Readable) {}

  async *documents(): AsyncGenerator<SourceDocument> {
    const decoder = new StringDecoder('utf8');
    let pending = '';
    let scanner: Scanner | undefined;
    for await (const chunk of this.input) {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
      if (!scanner) {
        pending += text;
        const format = formatOf(pending, false);
        if (!format) continue;
        scanner = this.scannerFor(format);
        yield* scanner.feed(pending);
        pending = '';
        continue;
      }
      yield* scanner.feed(text);
    }
    const rest = pending + decoder.end();
    scanner ??= this.scannerFor(formatOf(rest, true) ?? 'ndjson');
    yield* scanner.feed(rest);
    yield* scanner.end();
  }

  private scannerFor(format: InputFormat): Scanner {
    this.format = format;
    return format === 'ndjson' ? new LineScanner() : new BraceScanner(format === 'array');
  }
}

/**
 * The layout, from the start of the input: `[` is an array (known at once: a one-line array may
 * be the whole file); `{` alone on its line is pretty-printed; else NDJSON. Undefined while more
 * input is needed to tell, unless `ended`.
 */
function formatOf(start: string, ended: boolean): InputFormat | undefined {
  const first = /\S/.exec(start);
  if (!first) return ended ? 'ndjson' : undefined;
  if (first[0] === '[') return 'array';
  if (first[0] !== '{') return 'ndjson';
  const lineEnd = start.indexOf('\n', first.index);
  if (lineEnd === -1 && !ended) return undefined;
  const restOfLine = start.slice(first.index + 1, lineEnd === -1 ? undefined : lineEnd);
  return restOfLine.trim() === '' ? 'pretty' : 'ndjson';
}

interface Scanner {
  feed(text: string): Generator<SourceDocument>;
  end(): Generator<SourceDocument>;
}

/** NDJSON: every non-blank line is one document (a trailing CR is dropped). */
class LineScanner implements Scanner {
  private partial = '';
  private line = 0;

  *feed(text: string): Generator<SourceDocument> {
    let start = 0;
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', start)) {
      const whole = this.partial + text.slice(start, at);
      this.partial = '';
      start = at + 1;
      yield* this.emit(whole);
    }
    this.partial += text.slice(start);
  }

  *end(): Generator<SourceDocument> {
    if (this.partial !== '') yield* this.emit(this.partial);
    this.partial = '';
  }

  private *emit(raw: string): Generator<SourceDocument> {
    this.line++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() !== '') yield { line: this.line, text, linesRead: this.line };
  }
}

/**
 * Documents that may span lines: each ends where its braces (and brackets) balance, outside
 * strings. In an array, the outer `[`, the commas between elements and the closing `]` are
 * skipped. Anything else between documents is a bad document of its own, up to the end of its
 * line.
 */
class BraceScanner implements Scanner {
  private line = 1;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The document (or stray text) being read, and the line it started on. */
  private pieces: string[] = [];
  private startLine = 0;
  private stray = false;
  private arrayOpen = false;

  constructor(private readonly array: boolean) {}

  *feed(text: string): Generator<SourceDocument> {
    let from = this.pieces.length > 0 ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (this.depth > 0) {
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (c === '\\') this.escaped = true;
          else if (c === '"') this.inString = false;
        } else if (c === '"') this.inString = true;
        else if (c === '{' || c === '[') this.depth++;
        else if (c === '}' || c === ']') {
          if (--this.depth === 0) {
            yield this.take(text.slice(from, i + 1));
            from = -1;
          }
        }
      } else if (this.stray) {
        if (c === '\n') {
          yield this.take(text.slice(from, i));
          from = -1;
        }
      } else if (c === '{' || (c === '[' && (!this.array || this.arrayOpen))) {
        this.depth = 1;
        this.startLine = this.line;
        from = i;
      } else if (this.array && !this.arrayOpen && c === '[') {
        this.arrayOpen = true;
      } else if (!/\s/.test(c) && !(this.arrayOpen && (c === ',' || c === ']'))) {
        this.stray = true;
        this.startLine = this.line;
        from = i;
      }
      if (c === '\n') this.line++;
    }
    if (from !== -1) this.pieces.push(text.slice(from));
  }

  *end(): Generator<SourceDocument> {
    // A document cut short (a truncated file): its text fails to parse and is reported.
    if (this.pieces.length > 0) yield this.take('');
  }

  private take(last: string): SourceDocument {
    const text = this.pieces.join('') + last;
    this.pieces = [];
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.stray = false;
    return { line: this.startLine, text, linesRead: this.line };
  }
}
