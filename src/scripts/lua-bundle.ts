import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const INCLUDE_RE = /^--- @include "([^"]+)"\s*$/;

/** A script's includes, bundled, apart from its own lines (where each include line is a comment). */
export interface LuaParts {
  includes: string;
  body: string;
}

/**
 * Resolves `--- @include "includes/x"` lines (BullMQ's convention) into one script. Paths are
 * relative to the including file; each include is inlined once, at its first mention, so two
 * includes may share a third.
 */
export function bundleLua(file: string, included = new Set<string>()): string {
  const out: string[] = [];
  bundle(file, included, out, out);
  return out.join('\n');
}

/**
 * The same bundle in two parts, for a Redis Function library: what the includes define runs once,
 * when the library loads, and the script's own lines become the function's body.
 */
export function splitLuaBundle(file: string): LuaParts {
  const includes: string[] = [];
  const body: string[] = [];
  bundle(file, new Set(), includes, body);
  return { includes: includes.join('\n'), body: body.join('\n') };
}

/**
 * The file's own lines to `body`, each include's bundle, the first time it is named, to `includes`.
 * Apart, an include line stays in the body as a comment, so that the body's lines are the file's.
 */
function bundle(file: string, included: Set<string>, includes: string[], body: string[]): void {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const target = includeTarget(file, line);
    if (target === undefined) {
      body.push(line);
      continue;
    }
    const name = relative(dirname(file), target);
    if (includes !== body) body.push(`-- ${name}: defined before the function`);
    if (!included.has(target)) {
      included.add(target);
      includes.push(`-- >>> ${name}`, bundleInclude(file, target, included));
    }
  }
}

/** The file an include line names, or undefined for any other line. */
function includeTarget(file: string, line: string): string | undefined {
  const match = INCLUDE_RE.exec(line);
  return match ? join(dirname(file), `${match[1]}.lua`) : undefined;
}

function bundleInclude(file: string, target: string, included: Set<string>): string {
  try {
    return bundleLua(target, included);
  } catch (err) {
    const name = relative(dirname(file), target).replace(/\.lua$/, '');
    throw new Error(`${file}: cannot include "${name}": ${(err as Error).message}`);
  }
}
