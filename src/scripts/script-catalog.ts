import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundleLua } from './lua-bundle';

/** A script ready to run: its bundled source, its SHA1 and how many KEYS it takes. */
export interface LuaScript {
  name: string;
  numberOfKeys: number;
  /** `<name>-<n>+.lua`: the n keys, then any number more (the live users hashes a call touches). */
  moreKeys: boolean;
  source: string;
  sha: string;
}

const FILE_RE = /^([a-zA-Z]+)-(\d+)(\+?)\.lua$/;

/** lua/ at the package root, from src/scripts (ts-jest) or dist/scripts (built). */
export const LUA_DIR = join(__dirname, '..', '..', 'lua');

/** Every `lua/<name>-<numKeys>.lua` (or `-<numKeys>+.lua`), bundled, keyed by name. */
export function loadScripts(dir = LUA_DIR): Map<string, LuaScript> {
  const scripts = new Map<string, LuaScript>();
  for (const file of readdirSync(dir).sort()) {
    const match = FILE_RE.exec(file);
    if (!match) continue;
    const source = bundleLua(join(dir, file));
    scripts.set(match[1], {
      name: match[1],
      numberOfKeys: Number(match[2]),
      moreKeys: match[3] === '+',
      source,
      sha: createHash('sha1').update(source).digest('hex'),
    });
  }
  return scripts;
}
