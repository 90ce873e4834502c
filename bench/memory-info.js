'use strict';
/** INFO memory of a server, read as numbers: what memory per session is computed from. */

/** Fields of INFO memory whose values are whole numbers. */
async function infoMemory(client) {
  const text = await client.info('memory');
  const out = {};
  for (const line of text.split(/\r?\n/)) {
    const [name, value] = line.split(':');
    if (value !== undefined && /^\d+$/.test(value)) out[name] = Number(value);
  }
  return out;
}

module.exports = { infoMemory };
