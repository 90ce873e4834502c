'use strict';
/**
 * Two revisions side by side: `node bench/compare.js <rev-a> <rev-b> [--section ingest|reap]
 * [--rounds 3] [--batch 128] [--sessions N]`. The machine's speed drifts by up to half within an
 * hour, so figures of runs made at different times cannot tell two revisions apart; this builds
 * each revision in a git worktree and alternates them, round after round, each run on a fresh
 * private redis-server, so both see the same moments of the machine.
 *
 * Each revision runs its own bench/ingest.js or bench/reap.js against its own dist/. Prints one line
 * per run and the median of each revision (JSON with --json).
 */
const { execFileSync } = require('node:child_process');
const { existsSync, mkdtempSync, rmSync, symlinkSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { parseFlags, positiveFlag } = require('./options');

const USAGE = `node bench/compare.js <rev-a> <rev-b> [--section ingest|reap] [--rounds 3]
                        [--batch 128] [--sessions N] [--json]`;
const ROOT = resolve(__dirname, '..');

function options(argv) {
  const config = {
    allowPositionals: true,
    options: {
      section: { type: 'string', default: 'ingest' },
      rounds: { type: 'string', default: '3' },
      batch: { type: 'string', default: '128' },
      sessions: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  };
  const { values, positionals } = parseFlags(argv, config, USAGE);
  const positive = (name, text) => positiveFlag(name, text, USAGE);
  if (positionals.length !== 2) throw new Error(`two revisions are needed\n${USAGE}`);
  if (!['ingest', 'reap'].includes(values.section)) {
    throw new Error(`--section must be ingest or reap, got ${values.section}\n${USAGE}`);
  }
  const section = values.section;
  return {
    revisions: positionals,
    section,
    rounds: positive('rounds', values.rounds),
    batch: positive('batch', values.batch),
    sessions: positive('sessions', values.sessions ?? (section === 'reap' ? '100000' : '30000')),
    json: values.json,
  };
}

/** A worktree of `revision` with this checkout's node_modules, built. */
function buildTree(revision, parent, log) {
  let commit;
  try {
    commit = execFileSync('git', ['rev-parse', '--verify', '--quiet', `${revision}^{commit}`], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
  } catch {
    throw new Error(`no commit named ${JSON.stringify(revision)} in ${ROOT}`);
  }
  const dir = join(parent, commit.slice(0, 12));
  log(`building ${revision} (${commit.slice(0, 12)}) in ${dir}`);
  execFileSync('git', ['worktree', 'add', '--detach', '--force', dir, commit], {
    cwd: ROOT,
    stdio: 'ignore',
  });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  return { revision, commit, dir };
}

/** One measurement of `tree` on a fresh server; the figures the two sections share a name. */
async function measure(tree, opts, round) {
  const { startPrivateRedis } = require(join(tree.dir, 'bench', 'redis-process.js'));
  const server = await startPrivateRedis();
  try {
    const namespace = `compare-${round}`;
    if (opts.section === 'ingest') {
      const { runIngest } = require(join(tree.dir, 'bench', 'ingest.js'));
      const { ingestWorkload } = require(join(tree.dir, 'bench', 'event-stream.js'));
      const workload = ingestWorkload({
        sessions: opts.sessions,
        users: 20_000,
        liveSessions: 5_000,
      });
      const run = await runIngest({
        url: server.url,
        namespace,
        workload,
        maxBatchSize: opts.batch,
      });
      return {
        perSec: run.eventsPerSec,
        scriptUsec: run.server.scriptUsecPerEvent,
        busy: run.server.busyFraction,
        cpu: run.processCpuUsecPerEvent,
      };
    }
    const { runReap } = require(join(tree.dir, 'bench', 'reap.js'));
    const run = await runReap({ url: server.url, namespace, sessions: opts.sessions });
    return {
      perSec: run.sessionsPerSec,
      scriptUsec: run.usecPerSession,
      p99Ms: run.closeCallMs.p99,
      maxCallMs: run.maxCallMs,
      cpu: run.reaperCpuMs,
    };
  } finally {
    await server.stop();
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main() {
  const opts = options(process.argv.slice(2));
  const log = (message) => process.stderr.write(`[compare] ${message}\n`);
  const parent = mkdtempSync(join(tmpdir(), 'sau-compare-'));
  const trees = [];
  try {
    for (const revision of opts.revisions) trees.push(buildTree(revision, parent, log));
    const runs = [];
    for (let round = 1; round <= opts.rounds; round++) {
      for (const tree of trees) {
        const figures = await measure(tree, opts, round);
        runs.push({ revision: tree.revision, round, ...figures });
        log(`round ${round} ${tree.revision}: ${JSON.stringify(figures)}`);
      }
    }
    const medians = trees.map((tree) => {
      const own = runs.filter((r) => r.revision === tree.revision);
      return {
        revision: tree.revision,
        commit: tree.commit,
        perSec: Math.round(median(own.map((r) => r.perSec))),
        scriptUsec: Math.round(median(own.map((r) => r.scriptUsec)) * 100) / 100,
        // The measuring process's CPU: per event (ingest) or the reaper's per reap (ms); null
        // for a revision whose bench does not report it.
        cpu: own.every((r) => r.cpu != null)
          ? Math.round(median(own.map((r) => r.cpu)) * 100) / 100
          : null,
      };
    });
    const [a, b] = medians;
    const unit = opts.section === 'ingest' ? 'events' : 'sessions';
    const cpuUnit = opts.section === 'ingest' ? 'us per event' : 'ms per reap';
    const result = {
      section: opts.section,
      unit,
      batch: opts.batch,
      sessions: opts.sessions,
      runs,
      medians,
    };
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      for (const m of medians) {
        process.stdout.write(
          `${m.revision.padEnd(16)} median ${m.perSec.toLocaleString('en-US')} ${unit}/s, ` +
            `${m.scriptUsec} us of script per ${unit.slice(0, -1)}` +
            (m.cpu === null ? '\n' : `, process CPU ${m.cpu} ${cpuUnit}\n`),
        );
      }
      process.stdout.write(`${b.revision} / ${a.revision}: ${(b.perSec / a.perSec).toFixed(2)}x\n`);
    }
  } finally {
    for (const tree of trees) {
      execFileSync('git', ['worktree', 'remove', '--force', tree.dir], {
        cwd: ROOT,
        stdio: 'ignore',
      });
    }
    if (existsSync(parent)) rmSync(parent, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    },
  );
}
