import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { killWithThisProcess } from '../../src/process/kill-with-this-process';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'sau-cli.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunningCli {
  child: ChildProcess;
  /** Resolves once stdout holds at least `n` complete lines. */
  linesSoFar(n: number): Promise<string[]>;
  /** Resolves with the first complete line of stdout that matches. */
  lineMatching(pattern: RegExp): Promise<string>;
  done: Promise<CliResult>;
}

/** The built binary must exist: `npm test` builds first; in a dev loop run `npm run build`. */
export function assertBuilt(): void {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/cli/main.js is missing: run `npm run build` before the CLI tests');
  }
}

/** Starts `node bin/sau-cli.js ...args`, with none of the CLI's variables inherited unless given. */
export function startCli(args: string[], env: Record<string, string> = {}): RunningCli {
  return startProcess(process.execPath, [BIN, ...args], env);
}

/**
 * Runs `sau-cli ...args | head -c <bytes>` in bash: a real pipe whose reader goes away after
 * `bytes` bytes (0: before the CLI writes anything). stdout is what head passed on, stderr the
 * CLI's, and the code the CLI's own exit code (PIPESTATUS), not head's.
 */
export function runCliIntoHead(
  bytes: number,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const pipeline = `"$0" "$@" | head -c ${bytes}; exit "\${PIPESTATUS[0]}"`;
  return startProcess('bash', ['-c', pipeline, process.execPath, BIN, ...args], env).done;
}

function startProcess(file: string, argv: string[], env: Record<string, string>): RunningCli {
  const base = { ...process.env };
  for (const name of [
    'REDIS_URL',
    'SAU_NAMESPACE',
    'SAU_TIMEZONE',
    'SAU_TLS_CA',
    'SAU_TLS_CERT',
    'SAU_TLS_KEY',
  ]) {
    delete base[name];
  }
  const started = Date.now();
  const child = spawn(file, argv, {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A CLI left running by a failed test (metrics, --watch, demo) must not outlive the test run.
  killWithThisProcess(child);
  let stdout = '';
  let stderr = '';
  const waiters: { ready: (lines: string[]) => boolean; resolve: (lines: string[]) => void }[] = [];
  const complete = (): string[] => stdout.split('\n').slice(0, -1);
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const w of [...waiters]) {
      if (w.ready(complete())) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(complete());
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started }),
    );
  });
  const until = (ready: (lines: string[]) => boolean, what: string): Promise<string[]> =>
    ready(complete())
      ? Promise.resolve(complete())
      : new Promise((resolve, reject) => {
          waiters.push({ ready, resolve });
          void done.then((r) =>
            reject(new Error(`exited (${r.code}) before ${what}: ${r.stdout}${r.stderr}`)),
          );
        });
  return {
    child,
    done,
    linesSoFar: (n) => until((lines) => lines.length >= n, `${n} lines`),
    lineMatching: (pattern) =>
      until((lines) => lines.some((l) => pattern.test(l)), `a line matching ${pattern}`).then(
        (lines) => lines.find((l) => pattern.test(l)) as string,
      ),
  };
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

/** stdout of a `--json` run: one JSON value per line, nothing else. */
export function jsonLines(stdout: string): unknown[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
}

/** stderr as lines, without the trailing newline. */
export function stderrLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line !== '');
}

/** A failure as the CLI reports one: nothing on stdout, one `sau-cli: ` line, this exit code. */
export function expectOneLineFailure(result: CliResult, exitCode: number): string {
  expect(result.stdout).toBe('');
  const lines = stderrLines(result.stderr);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^sau-cli: /);
  expect(result.code).toBe(exitCode);
  return lines[0];
}
