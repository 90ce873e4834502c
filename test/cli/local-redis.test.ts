import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalRedis } from '../../src/demo/local-redis';
import { pickRedis } from '../../src/demo/pick-redis';
import { pingRedis } from '../../src/redis/ping-redis';
import { startPrivateRedis } from '../../src/redis/private-redis-server';

const BUILT_STARTER = join(__dirname, '..', '..', 'dist', 'redis', 'private-redis-server.js');

/** `/proc/<pid>/stat` split after the command name (which may hold spaces); undefined without it. */
function procStat(pid: number): string[] | undefined {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return undefined;
  // pid (comm) state ppid pgrp …
  return readFileSync(file, 'utf8').split(') ')[1].split(' ');
}

/**
 * Whether the process still runs. A killed orphan stays a zombie until whoever adopted it reaps
 * it, and signal 0 still reaches a zombie: it counts as gone.
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return procStat(pid)?.[0] !== 'Z';
}

/** The process group of `pid`, from /proc (Linux); undefined where there is no /proc. */
function processGroup(pid: number): number | undefined {
  const fields = procStat(pid);
  return fields ? Number(fields[2]) : undefined;
}

describe('the demo Redis', () => {
  it('starts a private redis-server on a free port in its own process group, and stops it', async () => {
    const local = await startLocalRedis();
    try {
      expect(local.url).toBe(`redis://127.0.0.1:${local.port}`);
      expect(await pingRedis(local.url, { timeoutMs: 1000 })).toBe(true);
      expect(existsSync(local.dir)).toBe(true);
      const group = processGroup(local.pid);
      if (group === undefined) process.stdout.write('[local-redis] no /proc: group not checked\n');
      // Its own group: the terminal's Ctrl-C goes to the demo's group, not to this server.
      else expect(group).toBe(local.pid);
    } finally {
      await local.stop();
    }
    expect(local.running).toBe(false);
    expect(alive(local.pid)).toBe(false);
    expect(existsSync(local.dir)).toBe(false);
    expect(await pingRedis(local.url, { timeoutMs: 1000 })).toBe(false);
  });

  it('says so when redis-server is not installed', async () => {
    await expect(startLocalRedis('no-such-redis-server-binary')).rejects.toThrow(
      'no-such-redis-server-binary is not installed (not on PATH); install Redis 7 or pass --redis-url',
    );
  });

  it('uses the given URL as is, else the default if it answers, else a private server', async () => {
    const given = await pickRedis('redis://:pw@example.invalid:6379', 'redis://127.0.0.1:1');
    expect(given).toMatchObject({ url: 'redis://:pw@example.invalid:6379', origin: 'given' });

    const fallback = await pickRedis(undefined, 'redis://127.0.0.1:1');
    try {
      expect(fallback.origin).toBe('private');
      expect(await pingRedis(fallback.url, { timeoutMs: 1000 })).toBe(true);
    } finally {
      await fallback.stop();
    }

    const local = await startLocalRedis();
    try {
      expect(await pickRedis(undefined, local.url)).toMatchObject({
        url: local.url,
        origin: 'default',
      });
    } finally {
      await local.stop();
    }
  });
});

describe('the private redis-server starter', () => {
  it('on a port another redis-server holds, starts on another one instead of using that server', async () => {
    const holder = await startPrivateRedis();
    try {
      const second = await startPrivateRedis({ port: holder.port });
      try {
        // The holder answers PING on that port at once; only its process id tells it apart.
        expect(second.port).not.toBe(holder.port);
        expect(second.pid).not.toBe(holder.pid);
        expect(await pingRedis(second.url, { pid: second.pid })).toBe(true);
        expect(await pingRedis(holder.url, { pid: second.pid })).toBe(false);
        expect(readFileSync(second.logFile, 'utf8')).toMatch(/Ready to accept connections/);
      } finally {
        await second.stop();
      }
    } finally {
      await holder.stop();
    }
  });

  it('reports why redis-server exited, from its own words', async () => {
    const started = startPrivateRedis({ args: ['--no-such-option', 'x'] });
    await expect(started).rejects.toMatchObject({ code: 'EXITED' });
    await expect(started).rejects.toThrow(
      /^redis-server exited with code 1 before answering on redis:\/\/127\.0\.0\.1:\d+: .*no-such-option/,
    );
  });

  it('kills the server and removes its directory when the process that started it exits', () => {
    if (!existsSync(BUILT_STARTER)) {
      throw new Error(`${BUILT_STARTER} is missing: run \`npm run build\` first`);
    }
    // A process that starts a server and exits without stopping it, as a crash would.
    const printed = execFileSync(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(BUILT_STARTER)}).startPrivateRedis({ detached: true })` +
          '.then((s) => { console.log(JSON.stringify({ pid: s.pid, dir: s.dir })); process.exit(0); })',
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    const { pid, dir } = JSON.parse(printed) as { pid: number; dir: string };
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });
});
