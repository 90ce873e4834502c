'use strict';
/**
 * Ids shaped like Meteor's `Random.id()`: 17 characters from a 55-symbol alphabet without look-alikes.
 *
 * The memory benchmark is only meaningful with ids of the real length (Redis memory per session is
 * dominated by the id strings and per-entry overhead), so both session ids and user ids use this.
 */
const { randomBytes } = require('node:crypto');

const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz';
const ID_LENGTH = 17;
// Largest multiple of the alphabet size below 256: bytes above it are skipped so every symbol is equally likely.
const UNBIASED_LIMIT = 256 - (256 % ALPHABET.length);

/** `count` distinct random ids, generated in bulk because the benchmarks need up to millions. */
function meteorIds(count) {
  const ids = new Set();
  const symbols = Buffer.from(ALPHABET, 'latin1');
  // Each id is written byte by byte into one buffer and decoded once, rather than concatenated from
  // 17 one-character strings (most of the time for a million ids is the Set that keeps them distinct).
  const id = Buffer.alloc(ID_LENGTH);
  let pool = randomBytes(0);
  let offset = 0;
  while (ids.size < count) {
    let length = 0;
    while (length < ID_LENGTH) {
      if (offset >= pool.length) {
        pool = randomBytes(64 * 1024);
        offset = 0;
      }
      const byte = pool[offset++];
      if (byte < UNBIASED_LIMIT) id[length++] = symbols[byte % ALPHABET.length];
    }
    ids.add(id.toString('latin1'));
  }
  return [...ids];
}

module.exports = { meteorIds, ID_LENGTH };
