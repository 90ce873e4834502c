// A function script as a Redis Function library: its includes run once, when the library loads,
// so whatever they define at their top level is shared by every call of the function.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { libraryCode, loadScripts, LUA_DIR } from '../../src/scripts/script-catalog';

const INCLUDES_DIR = join(LUA_DIR, 'includes');

/** The names an include declares at its top level (`local a, b = ...`, `local function f`). */
function topLevelNames(source: string): string[] {
  const names: string[] = [];
  for (const match of source.matchAll(/^local\s+(?:function\s+)?([\w\s,]+?)\s*(?:=|\()/gm)) {
    names.push(...match[1].split(',').map((name) => name.trim()));
  }
  return names;
}

/** Every line of lua/ and lua/includes/ with its file, comments left out. */
function luaLines(): { file: string; line: string }[] {
  const files = [
    ...readdirSync(LUA_DIR)
      .filter((f) => f.endsWith('.lua'))
      .map((f) => join(LUA_DIR, f)),
    ...readdirSync(INCLUDES_DIR).map((f) => join(INCLUDES_DIR, f)),
  ];
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => ({ file, line: line.replace(/--.*$/, '') })),
  );
}

describe('function scripts as Redis Function libraries', () => {
  it('names the library and its function after the script and its SHA1', () => {
    const { sha, library } = loadScripts().get('applyBatch')!;
    expect(library!.name).toBe(`sau_applyBatch_${sha.slice(0, 12)}`);
    expect(library!.code.startsWith(`#!lua name=${library!.name}\n`)).toBe(true);
    expect(library!.code).toContain(
      `redis.register_function('${library!.name}', function(KEYS, ARGV)`,
    );
    // The includes at the top level, once; the script's own lines inside the function.
    expect(library!.code.match(/local function newDayState/g)).toHaveLength(1);
    expect(library!.code.indexOf('local function newDayState')).toBeLessThan(
      library!.code.indexOf('redis.register_function'),
    );
    expect(library!.code.indexOf('local nowMs = redisNowMs()')).toBeGreaterThan(
      library!.code.indexOf('redis.register_function'),
    );
    expect(library!.code).not.toContain('@include');
    expect(libraryCode('x', 'local a = 1', 'return a')).toBe(
      "#!lua name=x\nlocal a = 1\nredis.register_function('x', function(KEYS, ARGV)\nreturn a\nend)",
    );
  });

  it('runs the other scripts by EVALSHA', () => {
    const functions = [...loadScripts().values()].filter((s) => s.library).map((s) => s.name);
    expect(functions).toEqual(['applyBatch']);
  });

  it('never changes what an include defines at its top level: every call shares it', () => {
    const names = new Set<string>();
    for (const file of readdirSync(INCLUDES_DIR)) {
      for (const name of topLevelNames(readFileSync(join(INCLUDES_DIR, file), 'utf8'))) {
        names.add(name);
      }
    }
    expect(names).toContain('COUNT_FIELDS');
    expect(names).toContain('newDayState');
    const changes: string[] = [];
    for (const { file, line } of luaLines()) {
      for (const name of names) {
        const written = new RegExp(
          `(^|[^\\w.])${name}\\s*(\\[[^\\]]*\\]|\\.\\w+)?\\s*=[^=]|table\\.(insert|remove|sort)\\(\\s*${name}\\b`,
        );
        if (
          written.test(line) &&
          !new RegExp(`^local\\s+(function\\s+)?[\\w\\s,]*\\b${name}\\b`).test(line)
        ) {
          changes.push(`${file}: ${line.trim()}`);
        }
      }
    }
    expect(changes).toEqual([]);
  });
});
