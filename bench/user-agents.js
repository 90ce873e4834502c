'use strict';
/**
 * User-agent classification throughput: cached lookups against cold parses, measured side by side
 * in one process (issue 4, part 3: a cached lookup must cost well under a microsecond, ≥ 1,000,000/s).
 *
 *   npx tsc -p tsconfig.build.json && node bench/user-agents.js [--iterations 2000000] [--json]
 *
 * - cached: `iterations` lookups cycling over 200 distinct real-looking user agents, all in the
 *   cache (a workspace sees a few hundred distinct agents, so this is the steady state);
 * - cached, new strings: the same lookups on copies never seen before, as a server receives them;
 * - cold: a fresh classifier, big enough to hold everything, given `iterations / 20` agents that
 *   are all distinct (real templates with varied version numbers), so every call parses;
 * - flood: 200 distinct 100 KB strings, the worst a client can send (cut to 512 characters).
 */
const { parseArgs } = require('node:util');
const { UserAgentClassifier } = require('../dist/ua/user-agent-classifier');
const { seededRandom, between, pickOne } = require('../dist/demo/random');

const HOT_AGENTS = 200;
const FLOOD_AGENTS = 200;
const FLOOD_LENGTH = 100_000;
const FRESH_COPIES = 200_000;

/** Real user agents with their version numbers drawn at random, so each call can be distinct. */
const TEMPLATES = [
  (r) =>
    `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${between(r, 90, 130)}.0.${between(r, 4000, 7000)}.${between(r, 0, 300)} Safari/537.36`,
  (r) =>
    `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${between(r, 90, 130)}.0.0.0 Safari/537.36 Edg/${between(r, 90, 130)}.0.${between(r, 1000, 3000)}.${between(r, 0, 99)}`,
  (r) =>
    `Mozilla/5.0 (${pickOne(r, ['Windows NT 10.0; Win64; x64', 'X11; Linux x86_64', 'Macintosh; Intel Mac OS X 10.15'])}; rv:${between(r, 90, 130)}.0) Gecko/20100101 Firefox/${between(r, 90, 130)}.${between(r, 0, 3)}`,
  (r) =>
    `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${between(r, 14, 18)}.${between(r, 0, 6)}.${between(r, 0, 9)} Safari/605.1.15`,
  (r) => {
    const os = `${between(r, 14, 18)}_${between(r, 0, 7)}`;
    return `Mozilla/5.0 (iPhone; CPU iPhone OS ${os} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${os.replace('_', '.')} Mobile/15E${between(r, 100, 999)} Safari/604.1`;
  },
  (r) =>
    `Mozilla/5.0 (Linux; Android ${between(r, 9, 15)}; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${between(r, 90, 130)}.0.${between(r, 4000, 7000)}.${between(r, 0, 300)} Mobile Safari/537.36`,
  (r) =>
    `Mozilla/5.0 (${pickOne(r, ['Windows NT 10.0; Win64; x64', 'Macintosh; Intel Mac OS X 10_15_7', 'X11; Linux x86_64'])}) AppleWebKit/537.36 (KHTML, like Gecko) Rocket.Chat/${between(r, 2, 4)}.${between(r, 0, 20)}.${between(r, 0, 9)} Chrome/${between(r, 90, 130)}.0.${between(r, 4000, 7000)}.${between(r, 0, 300)} Electron/${between(r, 10, 30)}.${between(r, 0, 9)}.${between(r, 0, 9)} Safari/537.36`,
  (r) =>
    `RC Mobile; ${pickOne(r, ['ios', 'android'])} ${between(r, 9, 18)}.${between(r, 0, 6)}; v4.${between(r, 0, 60)}.${between(r, 0, 9)} (${between(r, 100, 99999)})`,
  (r) =>
    `Mozilla/5.0 (compatible; Googlebot/2.${between(r, 0, 9)}; +http://www.google.com/bot.html) id/${between(r, 0, 1e6)}`,
  (r) => `curl/${between(r, 7, 8)}.${between(r, 0, 99)}.${between(r, 0, 9)}`,
];

/** `count` distinct user agents, none of them in `taken` (which they are added to). */
function distinctAgents(random, count, taken = new Set()) {
  const agents = [];
  while (agents.length < count) {
    const agent = pickOne(random, TEMPLATES)(random);
    if (taken.has(agent)) continue;
    taken.add(agent);
    agents.push(agent);
  }
  return agents;
}

/** Calls per second of classify over `agents`, `calls` times in a row; `sink` defeats dead code. */
function measure(classifier, agents, calls) {
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let i = 0, j = 0; i < calls; i++, j = j + 1 === agents.length ? 0 : j + 1) {
    sink += classifier.classify(agents[j]).clientName.length;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (sink < 0) throw new Error('unreachable');
  return calls / seconds;
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 10));

/**
 * Measures cached and cold classification side by side and returns calls per second of each, with
 * the working set sizes. `iterations` cached lookups; a twentieth as many cold parses, so both
 * phases take a similar time (a parse costs tens of times a lookup).
 */
async function runUserAgentBench({ iterations = 2_000_000, seed = 42 } = {}) {
  const random = seededRandom(seed);
  const taken = new Set();
  const hot = distinctAgents(random, HOT_AGENTS, taken);
  const coldAgents = Math.max(1000, Math.ceil(iterations / 20));
  const cold = distinctAgents(random, coldAgents, taken);
  const warmUp = distinctAgents(random, 5000, taken);
  // Flat strings, as Node's HTTP parser hands headers over: padEnd alone builds a rope, and the
  // first slice of a rope copies all of it (measured: 440 µs a call instead of 37).
  const floods = Array.from({ length: FLOOD_AGENTS }, (_, i) => {
    const rope = `${i} ${pickOne(random, hot)} `.padEnd(
      FLOOD_LENGTH,
      String.fromCharCode(33 + (i % 90)),
    );
    return Buffer.from(rope, 'latin1').toString('latin1');
  });

  // Warm-up, so the JIT has compiled the parser and the cache paths before anything is timed.
  const warm = new UserAgentClassifier({ cacheSize: 1000 });
  measure(warm, warmUp, warmUp.length);
  measure(warm, warmUp.slice(0, 500), 200_000);
  await pause();

  const cachedClassifier = new UserAgentClassifier({ cacheSize: 10_000 });
  for (const agent of hot) cachedClassifier.classify(agent);
  const cachedPerSec = measure(cachedClassifier, hot, iterations);
  await pause();
  // The loop above hands over the same string objects again and again, whose hashes V8 has
  // cached. A server gets a new string per connection, which must be hashed and compared: copies
  // never looked up before give that cost.
  const fresh = Array.from({ length: Math.min(iterations, FRESH_COPIES) }, (_, i) =>
    Buffer.from(hot[i % HOT_AGENTS], 'latin1').toString('latin1'),
  );
  const cachedFreshPerSec = measure(cachedClassifier, fresh, fresh.length);
  await pause();

  const coldClassifier = new UserAgentClassifier({ cacheSize: coldAgents });
  const coldPerSec = measure(coldClassifier, cold, cold.length);
  if (coldClassifier.size !== coldAgents) throw new Error('cold agents were not all distinct');
  await pause();

  const floodPerSec = measure(
    new UserAgentClassifier({ cacheSize: FLOOD_AGENTS }),
    floods,
    FLOOD_AGENTS,
  );

  return {
    iterations,
    distinctAgents: HOT_AGENTS,
    coldAgents,
    cachedPerSec: Math.round(cachedPerSec),
    cachedFreshPerSec: Math.round(cachedFreshPerSec),
    coldPerSec: Math.round(coldPerSec),
    floodPerSec: Math.round(floodPerSec),
    target: { cachedPerSec: 1_000_000 },
  };
}

function printTable(result) {
  const rows = [
    ['cached', `${result.iterations} lookups of ${result.distinctAgents}`, result.cachedPerSec],
    [
      'cached, new str',
      `${Math.min(result.iterations, FRESH_COPIES)} copies of ${result.distinctAgents}`,
      result.cachedFreshPerSec,
    ],
    ['cold', `${result.coldAgents} distinct`, result.coldPerSec],
    ['flood (100 KB)', `${FLOOD_AGENTS} distinct`, result.floodPerSec],
  ];
  const line = (cells) =>
    `${cells[0].padEnd(16)}${cells[1].padEnd(32)}${cells[2].padStart(14)}${cells[3].padStart(10)}`;
  console.log(line(['classify', 'user agents', 'calls/s', 'µs each']));
  for (const [name, what, perSec] of rows) {
    console.log(line([name, what, perSec.toLocaleString('en-US'), (1e6 / perSec).toFixed(3)]));
  }
  const ok = result.cachedPerSec >= result.target.cachedPerSec;
  console.log(
    `cached target ≥ ${result.target.cachedPerSec.toLocaleString('en-US')}/s: ${ok ? 'met' : 'MISSED'}`,
  );
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      iterations: { type: 'string', default: '2000000' },
      json: { type: 'boolean', default: false },
    },
  });
  const iterations = Number(values.iterations);
  if (!Number.isSafeInteger(iterations) || iterations <= 0) {
    console.error('--iterations must be a positive integer');
    process.exit(2);
  }
  runUserAgentBench({ iterations }).then(
    (result) => (values.json ? console.log(JSON.stringify(result)) : printTable(result)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

module.exports = { runUserAgentBench };
