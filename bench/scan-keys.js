'use strict';
/**
 * Keys under a prefix, by SCAN (never KEYS, even on a private server: habits stick), and their
 * removal, so one measurement's keys do not weigh on the next one's server.
 */

/** Every key under `prefix`, sorted. */
async function scanKeys(client, prefix) {
  const keys = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 10_000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

/**
 * Deletes every key under `prefix`; returns how many there were. DEL, not UNLINK: UNLINK frees big
 * keys in a background thread, and memory freed while the next measurement runs would shrink it.
 */
async function deleteKeys(client, prefix) {
  const keys = await scanKeys(client, prefix);
  for (let i = 0; i < keys.length; i += 10_000) await client.del(...keys.slice(i, i + 10_000));
  return keys.length;
}

module.exports = { scanKeys, deleteKeys };
