'use strict';
/**
 * The reaper being measured, in a process of its own, as `sau-cli reap` runs: a SauReaper that does
 * one pass over the lapsed instances. The bench process keeps its own clients, timers and what the
 * earlier sections left in its heap; none of that is the reaper's, so none of it shares its event
 * loop.
 *
 * The parent forks it, waits for `connected`, prepares the server counters, sends `go`, and gets
 * back `done` (once per `go`) with the report, the total time, the wait before each answered close call and the CPU
 * time the reaper process used meanwhile (every thread: its own work, V8's compiler and GC).
 */
const { fork } = require('node:child_process');
const { SauReaper } = require('../dist');

const FLAG = '--reaper-process';

/** Runs in the child. */
async function reaperChild({ url, namespace, reaperOptions }) {
  const reaper = new SauReaper({ ...reaperOptions, redis: url, namespace });
  // Connected (and the look-up script loaded) before the clock starts, as a reaper that runs for
  // long is.
  await reaper.deadInstances();
  // Its parent gone (killed, or failed), nothing will ask it to reap again.
  process.once('disconnect', () => process.exit(0));
  process.send({ connected: true });
  // Each `go` is one pass; a reaper that has reaped before runs its code compiled (runReap's
  // warmUpSessions). The parent kills this process when it is done with it.
  for (;;) {
    await new Promise((resolve) => process.once('message', resolve));
    const batchMs = [];
    let last = process.hrtime.bigint();
    const started = last;
    const cpuBefore = process.cpuUsage();
    const report = await reaper.reap(() => {
      const now = process.hrtime.bigint();
      batchMs.push(Number(now - last) / 1e6);
      last = now;
    });
    const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    process.send({ done: true, report, totalMs, batchMs, cpuMs });
  }
}

/**
 * Forks the reaper for `config` ({ url, namespace, reaperOptions }). `connected` resolves once it
 * can reap; each `reap()` starts one pass and resolves with { report, totalMs, batchMs, cpuMs }. Fails if it exits
 * before it is done.
 */
function startReaperProcess(config) {
  const child = fork(__filename, [FLAG, JSON.stringify(config)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const messages = [];
  const waiters = [];
  let exited;
  const gone = new Promise((_, reject) => {
    exited = reject;
  });
  gone.catch(() => undefined);
  child.on('message', (message) => {
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else messages.push(message);
  });
  child.once('exit', (code, signal) =>
    exited(new Error(`reap: the reaper process exited early (${code ?? signal})`)),
  );
  const next = () =>
    Promise.race([
      messages.length > 0
        ? Promise.resolve(messages.shift())
        : new Promise((resolve) => waiters.push(resolve)),
      gone,
    ]);
  return {
    pid: child.pid,
    connected: next(),
    reap: () => {
      child.send({ go: true });
      return next();
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

if (require.main === module && process.argv[2] === FLAG) {
  reaperChild(JSON.parse(process.argv[3])).catch((err) => {
    process.stderr.write(`[bench] reaper process failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}

module.exports = { startReaperProcess };
