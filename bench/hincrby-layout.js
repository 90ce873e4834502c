'use strict';
/**
 * How far applyBatch's one-event call is from the floor of its layout, and from that of a layout
 * with fewer counters: `node bench/hincrby-layout.js [--sessions 30000] [--rounds 3]`. A tool for
 * working on the script (script time at batch 1, issue 13), not a figure of the bench, and not the
 * product.
 *
 * Each round, side by side on fresh private redis-servers: the bench's ingest stream at batch 1
 * through a SessionMonitor (applyBatch), then the same events through the sketch of
 * bench/layout-sketch.js, one FCALL per event, with the breakdowns by value (the product's layout),
 * with none, and by client profile. All are measured the same way, by INFO commandstats: script
 * time and commands called per event. applyBatch gets about 50 arguments and 13 keys at batch 1,
 * the sketches 7 to 16 arguments.
 */
const { startPrivateRedis } = require('./redis-process');
const { ingestWorkload } = require('./event-stream');
const { runIngest } = require('./ingest');
const { runSketch, LAYOUTS } = require('./layout-sketch');
const { parseFlags, positiveFlag } = require('./options');

const USAGE = 'node bench/hincrby-layout.js [--sessions 30000] [--rounds 3]';

function options(argv) {
  const config = {
    options: {
      sessions: { type: 'string', default: '30000' },
      rounds: { type: 'string', default: '3' },
    },
  };
  const { values } = parseFlags(argv, config, USAGE);
  return {
    sessions: positiveFlag('sessions', values.sessions, USAGE),
    rounds: positiveFlag('rounds', values.rounds, USAGE),
  };
}

async function main() {
  const { sessions, rounds } = options(process.argv.slice(2));
  // The bench's workload (bench/run.js defaults), sized by --sessions.
  const workload = ingestWorkload({
    sessions,
    users: Math.ceil((sessions * 2) / 3),
    liveSessions: Math.ceil(sessions / 6),
  });
  const perEvent = (usec, events) => (usec / events).toFixed(2);
  for (let round = 1; round <= rounds; round++) {
    for (const side of ['applyBatch', ...Object.keys(LAYOUTS)]) {
      const server = await startPrivateRedis();
      try {
        if (side === 'applyBatch') {
          const run = await runIngest({
            url: server.url,
            namespace: 'b',
            workload,
            maxBatchSize: 1,
          });
          console.log(
            `round ${round}  applyBatch, batch 1  ${run.server.scriptUsecPerEvent} us of script ` +
              `an event, ${run.server.commandsPerEvent} commands`,
          );
        } else {
          const run = await runSketch(server.url, workload, side);
          console.log(
            `round ${round}  sketch ${side.padEnd(10)}   ${perEvent(run.scriptMs * 1000, run.events)} us ` +
              `of script an event, ${(run.commandsInsideScripts / run.events).toFixed(2)} commands`,
          );
        }
      } finally {
        await server.stop();
      }
    }
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err.message);
    process.exit(1);
  },
);
