import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const INCLUDE_RE = /^--- @include "([^"]+)"\s*$/;

/**
 * Resolves `--- @include "includes/x"` lines (BullMQ's convention) into one script. Paths are
 * relative to the including file; each include is inlined once, at its first mention, so two
 * includes may share a third.
 */
export function bundleLua(file: string, included = new Set<string>()): string {
  const out: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = INCLUDE_RE.exec(line);
    if (!match) {
      out.push(line);
      continue;
    }
    const target = join(dirname(file), `${match[1]}.lua`);
    if (included.has(target)) continue;
    included.add(target);
    try {
      out.push(`-- >>> ${relative(dirname(file), target)}`, bundleLua(target, included));
    } catch (err) {
      throw new Error(`${file}: cannot include "${match[1]}": ${(err as Error).message}`);
    }
  }
  return out.join('\n');
}
