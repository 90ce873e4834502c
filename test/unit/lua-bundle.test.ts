import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleLua, splitLuaBundle } from '../../src/scripts/lua-bundle';
import { loadScripts } from '../../src/scripts/script-catalog';

/** A lua/ of its own: an includes/ folder whose base.lua the others include, and `main`. */
function luaDir(main: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sau-bundle-'));
  mkdirSync(join(dir, 'includes'));
  writeFileSync(join(dir, 'includes', 'base.lua'), 'local function base() return 1 end');
  for (const name of ['a', 'b']) {
    writeFileSync(
      join(dir, 'includes', `${name}.lua`),
      `--- @include "base"\nlocal function ${name}() return base() end`,
    );
  }
  writeFileSync(join(dir, 'main-0.lua'), main);
  return dir;
}

describe('Lua bundling', () => {
  it('inlines each include once, relative to the including file', () => {
    const dir = luaDir('--- @include "includes/a"\n--- @include "includes/b"\nreturn a() + b()');
    const out = bundleLua(join(dir, 'main-0.lua'));
    expect(out.match(/local function base/g)).toHaveLength(1);
    expect(out.indexOf('function base')).toBeLessThan(out.indexOf('function a'));
    expect(out).not.toContain('@include');
  });

  it('splits a bundle into its includes and its own lines, for a function library', () => {
    const dir = luaDir(
      'local x = ARGV[1]\n--- @include "includes/a"\n--- @include "includes/base"\nreturn a() + x',
    );
    const { includes, body } = splitLuaBundle(join(dir, 'main-0.lua'));
    expect(includes.match(/local function base/g)).toHaveLength(1);
    expect(includes.indexOf('function base')).toBeLessThan(includes.indexOf('function a'));
    // The include lines stay as comments: the body's lines are the file's.
    expect(body).toBe(
      'local x = ARGV[1]\n-- includes/a.lua: defined before the function\n' +
        '-- includes/base.lua: defined before the function\nreturn a() + x',
    );
  });

  it('names the file and the include it cannot find', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sau-bundle-'));
    writeFileSync(join(dir, 'main-0.lua'), '--- @include "includes/missing"\n');
    expect(() => bundleLua(join(dir, 'main-0.lua'))).toThrow(
      /main-0\.lua: cannot include "includes\/missing"/,
    );
  });

  it('loads every script of lua/ with its key count and a stable SHA1', () => {
    const scripts = loadScripts();
    expect(scripts.get('applyBatch')).toMatchObject({ numberOfKeys: 12, moreKeys: true });
    expect(scripts.get('readStats')).toMatchObject({ numberOfKeys: 98, moreKeys: false });
    for (const script of scripts.values()) {
      expect(script.sha).toMatch(/^[0-9a-f]{40}$/);
      expect(script.source).not.toContain('@include');
    }
    expect(loadScripts().get('applyBatch')?.sha).toBe(scripts.get('applyBatch')?.sha);
  });
});
