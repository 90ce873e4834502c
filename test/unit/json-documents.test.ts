import { Readable } from 'node:stream';
import { JsonDocumentReader, type SourceDocument } from '../../src/import/json-documents';

const A = { _id: 'a', note: 'a } and a { in a string, a \\" and a [', n: [1, { x: 2 }] };
const B = { _id: 'b', userId: 'ü€🔑' };

/** Every document of `text`, fed in chunks of `size` characters (1: every boundary is tried). */
async function read(text: string, size = 1): Promise<{ format: string; docs: SourceDocument[] }> {
  const chunks: Buffer[] = [];
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const reader = new JsonDocumentReader(Readable.from(chunks));
  const docs: SourceDocument[] = [];
  for await (const doc of reader.documents()) docs.push(doc);
  return { format: reader.format, docs };
}

const parsed = (docs: SourceDocument[]) => docs.map((d) => JSON.parse(d.text) as unknown);

describe('JsonDocumentReader: every layout mongoexport writes', () => {
  it.each([
    ['one document a line', `${JSON.stringify(A)}\n\n${JSON.stringify(B)}\r\n`, 'ndjson', [1, 3]],
    ['--jsonArray on one line', JSON.stringify([A, B]), 'array', [1, 1]],
    [
      '--jsonArray, a document a line',
      `[${JSON.stringify(A)},\n${JSON.stringify(B)}]\n`,
      'array',
      [1, 2],
    ],
    ['--jsonArray --pretty', `${JSON.stringify([A, B], null, 2)}\n`, 'array', [2, 12]],
    [
      '--pretty',
      `${JSON.stringify(A, null, 2)}\n${JSON.stringify(B, null, 2)}\n`,
      'pretty',
      [1, 11],
    ],
  ])('%s', async (_name, text, format, lines) => {
    for (const size of [1, 7, 4096]) {
      const { format: found, docs } = await read(text, size);
      expect(found).toBe(format);
      expect(parsed(docs)).toEqual([A, B]);
      expect(docs.map((d) => d.line)).toEqual(lines);
    }
  });

  it('reports stray text and a cut-off document as documents that do not parse', async () => {
    const { docs } = await read(`[${JSON.stringify(A)}, oops,\n{"_id": "cut`);
    expect(docs.map((d) => d.text)).toEqual([JSON.stringify(A), 'oops,', '{"_id": "cut']);
    expect(docs.map((d) => d.line)).toEqual([1, 1, 2]);
    const ndjson = await read(`not json\n${JSON.stringify(B)}\n{"broken": \n`);
    expect(ndjson.docs.map((d) => d.text)).toEqual(['not json', JSON.stringify(B), '{"broken": ']);
  });

  it('reads nothing from an empty input', async () => {
    expect(await read('')).toEqual({ format: 'ndjson', docs: [] });
    expect(await read('\n  \n')).toEqual({ format: 'ndjson', docs: [] });
  });
});
