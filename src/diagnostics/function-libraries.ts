import type { Redis } from 'ioredis';
import { scriptCatalog } from '../scripts/script-catalog';
import type { DoctorCheck } from './doctor-check';

/** Every library a writer loads is `sau_<script>_<12 hex of its version>` (script-catalog.ts). */
const LIBRARY_PATTERN = 'sau_*';

/** The libraries this version's writers load (applyBatch's). */
function currentLibraries(): string[] {
  return [...scriptCatalog().values()].flatMap((s) => (s.library ? [s.library.name] : []));
}

interface LoadedLibrary {
  name: string;
  /** Characters of its code. */
  codeLength: number;
}

/** FUNCTION LIST WITHCODE's reply, RESP2: per library a flat list of field names and values. */
function parseLibraries(reply: unknown): LoadedLibrary[] {
  return (reply as unknown[][]).map((entry) => {
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < entry.length; i += 2) fields.set(String(entry[i]), entry[i + 1]);
    return {
      name: String(fields.get('library_name')),
      codeLength: String(fields.get('library_code') ?? '').length,
    };
  });
}

function kb(chars: number): string {
  return `${(chars / 1024).toFixed(1)} KB`;
}

/**
 * The Redis Function libraries of sau-monitor in one server: this version's (a writer loads it as
 * it starts), and those of other versions. Each version's library stays after an upgrade, so that
 * writers of both run through a rolling deploy; nothing deletes it after (a writer cannot know that
 * no writer of that version runs any more), so the doctor lists it for the operator to delete.
 */
export async function checkFunctionLibraries(client: Redis): Promise<DoctorCheck> {
  const name = 'function libraries';
  let loaded: LoadedLibrary[];
  try {
    loaded = parseLibraries(
      await client.call('FUNCTION', 'LIST', 'LIBRARYNAME', LIBRARY_PATTERN, 'WITHCODE'),
    );
  } catch (err) {
    return {
      name,
      status: 'warn',
      detail: `cannot check: FUNCTION LIST refused (${(err as Error).message}); the doctor needs +function|list to list the libraries of other versions`,
    };
  }
  const current = currentLibraries();
  const ours = current.map((library) =>
    loaded.some((l) => l.name === library)
      ? `${library} loaded`
      : `${library} not loaded yet (a writer loads it as it starts)`,
  );
  const others = loaded.filter((l) => !current.includes(l.name));
  if (others.length === 0) return { name, status: 'ok', detail: ours.join('; ') };
  const listed = others.map((l) => `${l.name} (${kb(l.codeLength)} of code)`).join(', ');
  return {
    name,
    status: 'warn',
    detail: `${ours.join('; ')}; ${others.length} of other versions: ${listed}. Writers of those versions use them; once none runs, delete each (FUNCTION DELETE <name>)`,
  };
}
