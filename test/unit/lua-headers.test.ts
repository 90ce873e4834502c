import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LUA_DIR } from '../../src/scripts/script-catalog';
import { bundleLua } from '../../src/scripts/lua-bundle';

// Every script documents its KEYS and ARGV in a header (BullMQ's habit); this keeps the header,
// the file name (<name>-<numKeys>.lua, or <name>-<numKeys>+.lua for a script that takes any number
// of keys after those) and the body, includes inlined as Redis runs it, from drifting apart.

interface Header {
  keys: Array<[number, number]>; // documented [from, to] ranges; to = Infinity for "N.."
  argv: Array<[number, number]>;
  output: string;
}

const SLOT_RE = /^\s*(KEYS|ARGV)\[(\d+)(?:\.\.(\d*))?\]\s+\S/;

function parseHeader(file: string, text: string): { header: Header; body: string } {
  const match = /^(?:#!lua[^\n]*\n)?--\[\[\n([\s\S]*?)\n\]\]\n([\s\S]*)$/.exec(text);
  if (!match) throw new Error(`${file}: no --[[ ... ]] header at the top`);
  const [, head, body] = match;
  const input = head.indexOf('Input:');
  const output = head.indexOf('Output:');
  if (input < 0 || output < 0 || output < input) {
    throw new Error(`${file}: header needs "Input:" then "Output:"`);
  }
  const header: Header = { keys: [], argv: [], output: head.slice(output + 7).trim() };
  for (const line of head.slice(input, output).split('\n')) {
    const slot = SLOT_RE.exec(line);
    if (!slot) continue;
    const from = Number(slot[2]);
    const to = slot[3] === undefined ? from : slot[3] === '' ? Infinity : Number(slot[3]);
    (slot[1] === 'KEYS' ? header.keys : header.argv).push([from, to]);
  }
  return { header, body };
}

/** Checks ranges cover 1..n with no gap or overlap; returns n (Infinity for an open range). */
function coverage(file: string, what: string, ranges: Array<[number, number]>): number {
  let next = 1;
  for (const [from, to] of ranges) {
    if (from !== next)
      throw new Error(`${file}: ${what}[${next}] is not documented next (found ${what}[${from}])`);
    next = to + 1;
  }
  return next - 1;
}

function usedIndexes(body: string, what: string): number[] {
  return [...body.matchAll(new RegExp(`${what}\\[(\\d+)\\]`, 'g'))].map((m) => Number(m[1]));
}

const files = readdirSync(LUA_DIR).filter((f) => f.endsWith('.lua'));

describe('Lua script headers', () => {
  it('finds the scripts', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  it.each(files)('%s is named <verbNoun>-<numKeys>[+].lua', (file) => {
    expect(file).toMatch(/^[a-z][a-zA-Z]+-\d+\+?\.lua$/);
  });

  it.each(files)('%s documents exactly the KEYS its name declares and its body uses', (file) => {
    const [, count, more] = /-(\d+)(\+?)\.lua$/.exec(file) ?? [];
    const numKeys = Number(count);
    const { header, body } = parseHeader(file, bundleLua(join(LUA_DIR, file)));
    const used = usedIndexes(body, 'KEYS');
    if (more) {
      // The declared keys, then an open range of the keys that come after them.
      expect(coverage(file, 'KEYS', header.keys)).toBe(Infinity);
      expect(header.keys[header.keys.length - 1][0]).toBe(numKeys + 1);
    } else {
      expect(coverage(file, 'KEYS', header.keys)).toBe(numKeys);
      for (const i of used) expect(i).toBeLessThanOrEqual(numKeys);
    }
    // A key documented on its own line must be read by the body.
    for (const [from, to] of header.keys) if (from === to) expect(used).toContain(from);
  });

  it.each(files)('%s documents every ARGV it reads, and reads every ARGV it documents', (file) => {
    const { header, body } = parseHeader(file, bundleLua(join(LUA_DIR, file)));
    const documented = coverage(file, 'ARGV', header.argv);
    const used = usedIndexes(body, 'ARGV');
    for (const i of used) expect(i).toBeLessThanOrEqual(documented);
    for (const [from, to] of header.argv) if (from === to) expect(used).toContain(from);
  });

  it.each(files)('%s describes its output and builds no key names', (file) => {
    const text = readFileSync(join(LUA_DIR, file), 'utf8');
    const { header, body } = parseHeader(file, text);
    expect(header.output.length).toBeGreaterThan(0);
    // Keys come only through KEYS (cluster-safety): no key prefix or concatenated key in the body.
    expect(body).not.toMatch(/['"]sau:/);
    expect(body).not.toMatch(/KEYS\[[^\]]+\]\s*\.\./);
  });

  it('catches a header that drifted from its body', () => {
    const drifted =
      '--[[\n  x\n  Input:\n    KEYS[1] a\n    ARGV[1] b\n  Output:\n    n\n]]\nreturn KEYS[2] .. ARGV[1]\n';
    const { header, body } = parseHeader('drifted-1.lua', drifted);
    expect(coverage('drifted-1.lua', 'KEYS', header.keys)).toBe(1);
    expect(Math.max(...usedIndexes(body, 'KEYS'))).toBe(2);
  });
});
