import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleLua } from '../../src/scripts/lua-bundle';
import { loadScripts } from '../../src/scripts/script-catalog';

describe('Lua bundling', () => {
  it('inlines each include once, relative to the including file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sau-bundle-'));
    mkdirSync(join(dir, 'includes'));
    writeFileSync(join(dir, 'includes', 'base.lua'), 'local function base() return 1 end');
    writeFileSync(
      join(dir, 'includes', 'a.lua'),
      '--- @include "base"\nlocal function a() return base() end',
    );
    writeFileSync(
      join(dir, 'includes', 'b.lua'),
      '--- @include "base"\nlocal function b() return base() end',
    );
    writeFileSync(
      join(dir, 'main-0.lua'),
      '--- @include "includes/a"\n--- @include "includes/b"\nreturn a() + b()',
    );
    const out = bundleLua(join(dir, 'main-0.lua'));
    expect(out.match(/local function base/g)).toHaveLength(1);
    expect(out.indexOf('function base')).toBeLessThan(out.indexOf('function a'));
    expect(out).not.toContain('@include');
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
