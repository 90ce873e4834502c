import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** One line of an NDJSON input, numbered from 1. */
export interface NumberedLine {
  lineNumber: number;
  text: string;
}

/**
 * The lines of a stream, one at a time (readline: memory stays constant whatever the file size).
 * Blank lines are skipped but still numbered, so reported numbers match an editor's.
 */
export async function* readLines(input: Readable): AsyncGenerator<NumberedLine> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const text of lines) {
    lineNumber++;
    if (text.trim() === '') continue;
    yield { lineNumber, text };
  }
}
