'use strict';
/**
 * The instance a reap bench reaps: a real SessionMonitor in a child process that opens the
 * sessions, flushes them, keeps heartbeating, and is then SIGKILLed, so nothing of a graceful stop
 * runs (bench/reap.js).
 */
const { fork } = require('node:child_process');
const { SessionMonitor } = require('../dist');
const { seededRandom } = require('../dist/demo/random');
const { meteorIds } = require('./meteor-id');

const INSTANCE_ID = 'bench-reap-victim';
const FLAG = '--dying-instance';

/**
 * Runs in the child: opens `sessions` sessions (every other one logged in, users drawn from a
 * population of `users`), reports to the parent, then idles with its heartbeat running until it
 * is killed.
 */
async function dyingInstance({ url, namespace, sessions, users, leaseMs, heartbeatIntervalMs }) {
  const monitor = new SessionMonitor({
    redis: url,
    namespace,
    instanceId: INSTANCE_ID,
    leaseMs,
    heartbeatIntervalMs,
  });
  // Any error makes the measurement meaningless (and a failing batch is retried forever, so
  // flush() would never return): the parent fails the bench at the first one.
  monitor.on('error', (err) => process.send({ error: `${err.code}: ${err.message}` }));
  const sessionIds = meteorIds(sessions);
  const userIds = meteorIds(users);
  const random = seededRandom(0x4ea9);
  const loggedIn = new Set();
  await monitor.start();
  for (let i = 0; i < sessions; i++) {
    monitor.open({ id: sessionIds[i], clientAddress: '10.0.0.2', userAgent: 'bench' });
    if (i % 2 === 0) {
      const userId = userIds[Math.floor(random() * users)];
      monitor.login(sessionIds[i], userId);
      loggedIn.add(userId);
    }
    if ((i + 1) % 10_000 === 0) await monitor.flush();
  }
  await monitor.flush();
  process.send({
    ready: true,
    incarnation: monitor.incarnation,
    sessions: monitor.liveSessionCount,
    users: loggedIn.size,
  });
  // The IPC channel keeps the process, and so its (unref'd) heartbeat timer, alive until SIGKILL.
}

/**
 * Forks the dying instance. `ready` resolves with its report once its sessions are all in Redis;
 * `failed` rejects at its first error, before or after that.
 */
function startDyingInstance(config, timeoutMs) {
  const child = fork(__filename, [FLAG, JSON.stringify(config)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let fail;
  const failed = new Promise((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  const timer = setTimeout(
    () => fail(new Error(`reap: the dying instance was not ready within ${timeoutMs} ms`)),
    timeoutMs,
  );
  const ready = new Promise((resolve, reject) => {
    child.on('message', (message) => {
      if (message.ready) {
        clearTimeout(timer);
        resolve(message);
      } else if (message.error) {
        fail(new Error(`reap: the dying instance reported ${message.error}`));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`reap: the dying instance exited early (${code ?? signal})`));
    });
    child.once('error', reject);
    failed.catch(reject);
  });
  return { child, ready, failed };
}

function kill(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

if (require.main === module && process.argv[2] === FLAG) {
  dyingInstance(JSON.parse(process.argv[3])).catch((err) => {
    process.stderr.write(`[bench] dying instance failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}

module.exports = { INSTANCE_ID, startDyingInstance, kill };
