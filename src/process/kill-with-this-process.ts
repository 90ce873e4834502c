import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Polls, once a second, whether this process and the child still run. When this process is gone
 * and the child is not, it SIGKILLs the child; when the child is gone, it just ends. `$1` is this
 * process's pid, `$2` the child's.
 */
const WATCHDOG = [
  'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done',
  'kill -0 "$1" 2>/dev/null || kill -9 "$2" 2>/dev/null',
].join('; ');

/**
 * Makes sure `child` never outlives this process, however this process ends. A normal exit (or an
 * uncaught exception) runs an 'exit' listener that SIGKILLs it; a SIGKILL, a crash or a signal
 * with no handler (a test runner that gives up on its worker) runs no listener at all, so a small
 * detached shell, started here, watches this process's pid and kills the child once it is gone.
 * The watch ends by itself when the child exits. Returns a function that stops watching (when the
 * caller stops the child itself and waits for it).
 */
export function killWithThisProcess(child: ChildProcess): () => void {
  const pid = child.pid;
  if (pid === undefined) return () => undefined;
  const watchdog = spawn('sh', ['-c', WATCHDOG, 'sau-watchdog', String(process.pid), String(pid)], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.on('error', () => undefined);
  watchdog.unref();
  const killNow = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const forgetKill = onThisProcessExit(killNow);
  const forget = (): void => {
    forgetKill();
    // Its pid may be reused once the child is gone: the watchdog must not outlive it.
    if (watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill();
    child.off('exit', forget);
  };
  child.once('exit', forget);
  return forget;
}

/**
 * Synchronous cleanups for this process's 'exit', in the order they were added. One listener for
 * all, not one each: a test file with many children would trip Node's listener-leak warning.
 */
const cleanups = new Set<() => void>();
const runCleanups = (): void => cleanups.forEach((cleanup) => cleanup());

/** Runs `cleanup` (synchronous: 'exit' cannot wait) when this process exits; returns its undo. */
export function onThisProcessExit(cleanup: () => void): () => void {
  if (cleanups.size === 0) process.on('exit', runCleanups);
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
    if (cleanups.size === 0) process.off('exit', runCleanups);
  };
}
