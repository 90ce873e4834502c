import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { killWithThisProcess, onThisProcessExit } from '../process/kill-with-this-process';
import { pingRedis } from './ping-redis';

/**
 * A private redis-server on a free loopback port, for the demo, the benchmark and the tests: the
 * one place that starts one, waits until it answers, and makes sure it never outlives this process
 * (see killWithThisProcess).
 */

const HOST = '127.0.0.1';
/** A private server never takes the port a shared Redis is expected on. */
const DEFAULT_REDIS_PORT = 6379;
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const PROBE_INTERVAL_MS = 50;
/** Starts tried before giving up: another process may take the port between probe and bind. */
const ATTEMPTS = 4;

export interface PrivateRedisOptions {
  /**
   * The program to run; `redis-server` by default. It must be Redis itself, not a wrapper that
   * forks it: readiness is checked against this process's id.
   */
  binary?: string;
  /** A config file, passed first (Redis requires that); the options below override what it says. */
  configFile?: string;
  /** Sentinel mode (`--sentinel`): needs `configFile`, which Sentinel rewrites; no persistence flags. */
  sentinel?: boolean;
  /** More arguments, after the ones this module sets, so they win over them. */
  args?: string[];
  /** Added to this process's environment (e.g. an LD_PRELOAD clock shim). */
  env?: NodeJS.ProcessEnv;
  /**
   * Its own process group: a Ctrl-C in the terminal then reaches only this process, which can stop
   * its clients before the server goes. It is still killed if this process exits first.
   */
  detached?: boolean;
  /** The port tried first (one already promised to others); later attempts take free ones. */
  port?: number;
  /** Data directory, kept by stop(); by default a new temporary one that stop() removes. */
  dir?: string;
  /** Prefix of that temporary directory's name, so a leftover one says who made it. */
  dirPrefix?: string;
  /** Redis's log; `<dir>/redis-<port>.log` by default. Its last lines explain a failed start. */
  logFile?: string;
  /**
   * Serve TLS only (`--port 0 --tls-port <port>`), with the certificate options in `args`; these
   * are the client's TLS options that the readiness PING uses. The URL is then `rediss://`.
   */
  tls?: ConnectionOptions;
  startTimeoutMs?: number;
}

/** A redis-server this process started. */
export interface PrivateRedis {
  /** Always loopback: 127.0.0.1. */
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>`, or `rediss://` when it serves TLS only. */
  readonly url: string;
  readonly pid: number;
  readonly dir: string;
  readonly logFile: string;
  /** False once the process has exited. */
  readonly running: boolean;
  /**
   * Sends `signal` (SIGTERM: a clean shutdown), SIGKILL if it has not exited after 5 s, and
   * resolves once it has; then removes the directory if this module created it.
   */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Sends a signal now and does not wait (SIGKILL by default; SIGSTOP/SIGCONT to freeze a node). */
  kill(signal?: NodeJS.Signals): void;
}

/** Why a start failed: the binary is missing, the server exited, or it never answered. */
export type StartFailure = 'ENOENT' | 'EXITED' | 'TIMEOUT';

/**
 * Starts a redis-server on a free loopback port (trying another one when the port was taken
 * meanwhile) without persistence, and resolves once that very process answers PING. Rejects with
 * an Error whose `code` is a {@link StartFailure} and whose message ends with Redis's last words.
 */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  for (let attempt = 1; ; attempt++) {
    const port = attempt === 1 && options.port ? options.port : await freePort();
    try {
      return await startOnPort(port, options);
    } catch (err) {
      if (attempt >= ATTEMPTS || (err as { code?: string }).code !== 'EXITED') throw err;
    }
  }
}

/** A port the kernel just handed out on loopback; another process may take it before we bind. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.on('error', reject);
      server.listen(0, HOST, () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (port !== DEFAULT_REDIS_PORT) return port;
  }
}

export interface WaitOptions {
  tls?: ConnectionOptions;
  /** Also require INFO's `process_id` to be this: the server that answers is the one we started. */
  pid?: number;
  /** The server's process: waiting ends as soon as it has exited or could not be started. */
  child?: ChildProcess;
  /** How long to wait in all; 10 s by default. */
  withinMs?: number;
  /** Why it exited or hangs (its last log lines), for the error. */
  describeFailure?: () => string;
}

/**
 * Resolves once `url` answers PING; rejects with `code` ENOENT (the binary is missing), EXITED or
 * TIMEOUT when it cannot any more.
 */
export async function waitForRedis(url: string, options: WaitOptions = {}): Promise<void> {
  const { child, describeFailure = () => '' } = options;
  const name = child?.spawnfile ?? 'redis-server';
  let spawnError: NodeJS.ErrnoException | undefined;
  // Attached before the first await: a missing binary is reported on the next tick.
  child?.on('error', (err) => (spawnError = err));
  const deadline = Date.now() + (options.withinMs ?? START_TIMEOUT_MS);
  for (;;) {
    if (spawnError?.code === 'ENOENT') {
      throw failure('ENOENT', `${name} is not installed (not on PATH); install Redis 7`);
    }
    if (spawnError) throw spawnError;
    if (child && hasExited(child)) {
      const how = child.signalCode ? `on ${child.signalCode}` : `with code ${child.exitCode}`;
      throw failure(
        'EXITED',
        `${name} exited ${how} before answering on ${url}`,
        describeFailure(),
      );
    }
    if (await pingRedis(url, { tls: options.tls, pid: options.pid })) return;
    if (Date.now() > deadline) {
      throw failure('TIMEOUT', `${name} did not answer PING on ${url} in time`, describeFailure());
    }
    await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
  }
}

async function startOnPort(port: number, options: PrivateRedisOptions): Promise<PrivateRedis> {
  const binary = options.binary ?? 'redis-server';
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), options.dirPrefix ?? 'sau-redis-'));
  const logFile = options.logFile ?? join(dir, `redis-${port}.log`);
  const args = [
    ...(options.configFile ? [options.configFile] : []),
    ...(options.sentinel ? ['--sentinel'] : []),
    ...(options.tls ? ['--port', '0', '--tls-port', String(port)] : ['--port', String(port)]),
    '--bind',
    HOST,
    ...(options.sentinel ? [] : ['--save', '', '--appendonly', 'no']),
    '--dir',
    dir,
    '--logfile',
    logFile,
    ...(options.args ?? []),
  ];
  const child = spawn(binary, args, {
    // stderr: a config error is printed there, before Redis opens its log file.
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: options.detached ?? false,
    env: options.env ? { ...process.env, ...options.env } : process.env,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const removeDir = (): void => {
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
  };
  // However this process ends (even SIGKILL), the server goes; on a normal exit its data too.
  killWithThisProcess(child);
  const forgetDir = onThisProcessExit(removeDir);

  const url = `${options.tls ? 'rediss' : 'redis'}://${HOST}:${port}`;
  try {
    await waitForRedis(url, {
      child,
      tls: options.tls,
      pid: child.pid,
      withinMs: options.startTimeoutMs,
      describeFailure: () => lastLines(`${stderr}\n${readLog(logFile)}`),
    });
  } catch (err) {
    forgetDir();
    // No pid: it never started, so no 'exit' will come.
    if (child.pid !== undefined && !hasExited(child)) {
      child.kill('SIGKILL');
      await exited(child);
    }
    removeDir();
    throw err;
  }

  return {
    host: HOST,
    port,
    url,
    pid: child.pid as number,
    dir,
    logFile,
    get running() {
      return !hasExited(child);
    },
    kill: (signal = 'SIGKILL') => {
      if (!hasExited(child)) child.kill(signal);
    },
    stop: async (signal = 'SIGTERM') => {
      if (!hasExited(child)) {
        const force = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        child.kill(signal);
        await exited(child);
        clearTimeout(force);
      }
      forgetDir();
      removeDir();
    },
  };
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (hasExited(child)) return resolve();
    child.once('exit', () => resolve());
  });
}

function failure(code: StartFailure, message: string, details = ''): Error {
  return Object.assign(new Error(details ? `${message}: ${details}` : message), { code });
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function lastLines(text: string, count = 3): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.length ? lines.slice(-count).join(' | ') : 'no output';
}
