'use strict';
/**
 * The ingest workload, shared by the library's ingest and the naive baseline so both count the
 * very same events in the very same order: sessions of a fixed user population open, log in, and
 * close again once `liveSessions` newer sessions have opened, so the live set stays at a realistic
 * size while day and month tallies see users repeatedly. Every open, login and close is one event.
 */
const { meteorIds } = require('./meteor-id');
// Seeded, so every run (and every peer within a run) assigns users to sessions the same way.
const { seededRandom } = require('../dist/demo/random');

const USER_SEED = 0x5a0;

/**
 * Ids and the user of each session, made before any clock starts: generating them is not what is
 * measured. Session ids differ per call (each peer writes its own keys), users are drawn the same.
 */
function ingestWorkload({ sessions, users, liveSessions }) {
  const sessionIds = meteorIds(sessions);
  const userIds = meteorIds(users);
  const random = seededRandom(USER_SEED);
  const userOf = new Uint32Array(sessions);
  for (let i = 0; i < sessions; i++) userOf[i] = Math.floor(random() * users);
  return {
    sessions,
    users,
    liveSessions,
    sessionIds,
    userIds,
    userOf,
    distinctUsers: new Set(userOf).size,
    events: sessions * 3,
  };
}

/**
 * The events in order, as [op, sessionId, userId] with op 'open', 'login' or 'close'; the user is
 * given with every event of a logged-in session (a server knows whose connection closes).
 */
function* ingestEvents({ sessions, liveSessions, sessionIds, userIds, userOf }) {
  for (let i = 0; i < sessions; i++) {
    yield ['open', sessionIds[i], userIds[userOf[i]]];
    yield ['login', sessionIds[i], userIds[userOf[i]]];
    if (i >= liveSessions) {
      const old = i - liveSessions;
      yield ['close', sessionIds[old], userIds[userOf[old]]];
    }
  }
  for (let i = Math.max(0, sessions - liveSessions); i < sessions; i++) {
    yield ['close', sessionIds[i], userIds[userOf[i]]];
  }
}

module.exports = { ingestWorkload, ingestEvents };
