import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundleLua, splitLuaBundle } from './lua-bundle';

/** A script ready to run: its bundled source, its SHA1 and how many KEYS it takes. */
export interface LuaScript {
  name: string;
  numberOfKeys: number;
  /** `<name>-<n>+.lua`: the n keys, then any number more (the live users hashes a call touches). */
  moreKeys: boolean;
  source: string;
  sha: string;
  /** Set for a script run as a Redis Function (FCALL) rather than by EVALSHA. */
  library?: LuaLibrary;
}

/** A script as a Redis Function library of one function, named after its version. */
export interface LuaLibrary {
  /** The library's name, `sau_<script>_<12 hex of its SHA1>`, and its one function's. */
  name: string;
  /** What the includes define, made once when the library loads. */
  includes: string;
  /** The script's own lines: what each call runs, with KEYS and ARGV as arguments. */
  body: string;
  /** The library's code, for FUNCTION LOAD. */
  code: string;
}

/**
 * The scripts run as Redis Functions. A function library's includes (every function and constant
 * table they define) are made once, when the library loads; a script run by EVALSHA makes them
 * again at each call: 3.6 of the 11.5 KB a one-event applyBatch call allocated. So what an include
 * defines at its top level is shared by every call: constants only (test/unit/lua-library.test.ts).
 * The other scripts stay EVALSHA: they run seldom or with many sessions a call, and the readers'
 * could not load a library (FUNCTION LOAD is a write, which a read-only user may not make).
 */
const FUNCTION_SCRIPTS = new Set(['applyBatch']);

const FILE_RE = /^([a-zA-Z]+)-(\d+)(\+?)\.lua$/;

/** lua/ at the package root, from src/scripts (ts-jest) or dist/scripts (built). */
export const LUA_DIR = join(__dirname, '..', '..', 'lua');

let catalog: Map<string, LuaScript> | undefined;

/** lua/'s scripts, bundled once per process (loadScripts), for every runner and check to share. */
export function scriptCatalog(): Map<string, LuaScript> {
  catalog ??= loadScripts();
  return catalog;
}

/** Every `lua/<name>-<numKeys>.lua` (or `-<numKeys>+.lua`), bundled, keyed by name. */
export function loadScripts(dir = LUA_DIR): Map<string, LuaScript> {
  const scripts = new Map<string, LuaScript>();
  for (const file of readdirSync(dir).sort()) {
    const match = FILE_RE.exec(file);
    if (!match) continue;
    const source = bundleLua(join(dir, file));
    const sha = sha1(source);
    scripts.set(match[1], {
      name: match[1],
      numberOfKeys: Number(match[2]),
      moreKeys: match[3] === '+',
      source,
      sha,
      library: FUNCTION_SCRIPTS.has(match[1])
        ? buildLibrary(match[1], join(dir, file), sha)
        : undefined,
    });
  }
  return scripts;
}

/**
 * The script as a library: its includes at the library's top level, its own lines as the body of
 * the one function, which gets KEYS and ARGV as its arguments. The name holds the script's SHA1,
 * so two versions of the library may serve two versions of the writer at once (a rolling deploy).
 */
function buildLibrary(script: string, file: string, sha: string): LuaLibrary {
  const name = `sau_${script}_${sha.slice(0, 12)}`;
  const { includes, body } = splitLuaBundle(file);
  return { name, includes, body, code: libraryCode(name, includes, body) };
}

/** A library `name` whose function `name` runs `body` (KEYS, ARGV) after `includes` ran once. */
export function libraryCode(name: string, includes: string, body: string): string {
  return [
    `#!lua name=${name}`,
    includes,
    `redis.register_function('${name}', function(KEYS, ARGV)`,
    body,
    'end)',
  ].join('\n');
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}
