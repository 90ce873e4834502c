import { createHash } from 'node:crypto';

/**
 * The id of a client profile: the device, OS and browser labels a session was opened with (the
 * `content` of splitSessionMeta), stored once per namespace however many sessions share it. The id
 * is derived from the content (10 base-36 characters of its SHA-1, 51 bits), so every writer names
 * a profile the same way without asking Redis, and can build a session's member by itself. `''`
 * (no labels) has no profile.
 */
export function profileIdOf(content: string): string {
  if (content === '') return '';
  let id = recentIds.get(content);
  if (id === undefined) {
    const digest = createHash('sha1').update(content).digest();
    id = (digest.readBigUInt64BE(0) >> 13n).toString(36).padStart(10, '0');
    // A server sees a few hundred profiles: hashing each once saves a SHA-1 per session opened.
    if (recentIds.size >= MAX_REMEMBERED) recentIds.clear();
    recentIds.set(content, id);
  }
  return id;
}

const MAX_REMEMBERED = 4096;
const recentIds = new Map<string, string>();
