// ScriptCommand: the library encodes a script call's arguments itself. Redis must read them exactly
// as ioredis would have sent them: every byte of every argument, ASCII or not, in order.
import { Command, Redis } from 'ioredis';
import { encodeCommand, ScriptCommand, type ScriptArg } from '../../src/scripts/script-command';
import { startRedis, uniqueNamespace, type TestRedis } from '../support/redis-server';

/** Returns its keys, then its arguments, as Redis read them. */
const ECHO =
  'local out = {} for _, k in ipairs(KEYS) do out[#out + 1] = k end ' +
  "out[#out + 1] = '|' for _, a in ipairs(ARGV) do out[#out + 1] = a end return out";

const AWKWARD: ScriptArg[] = [
  '',
  'plain',
  'ü',
  'u\u0308',
  '日本',
  '😀',
  '\u0001',
  'a\r\nb',
  '$3',
  0,
  -7,
  1.5,
];

describe('ScriptCommand', () => {
  let server: TestRedis;
  const clients: Redis[] = [];

  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await server.stop();
  });

  function client(keyPrefix?: string): Redis {
    const made = new Redis(server.url, keyPrefix === undefined ? {} : { keyPrefix });
    clients.push(made);
    return made;
  }

  async function echo(redis: Redis, keys: string[], args: ScriptArg[]): Promise<unknown> {
    const command = new ScriptCommand('eval', ECHO, keys, args, redis.options.keyPrefix);
    void redis.sendCommand(command);
    return command.promise;
  }

  it.each([
    ['ASCII only', ['k1', 'k2'], ['a', 'bc', 12, '']],
    ['awkward characters', ['ключ', 'k'], AWKWARD],
    [
      'a thousand arguments',
      ['k'],
      Array.from({ length: 1000 }, (_, i) => (i % 7 ? `arg-${i}` : i)),
    ],
  ])('hands Redis every key and argument unchanged: %s', async (_name, keys, args) => {
    const expected = [...keys, '|', ...args.map(String)];
    expect(await echo(client(), keys, args)).toEqual(expected);
  });

  it("prefixes the keys, and only the keys, with the client's keyPrefix", async () => {
    const prefix = `${uniqueNamespace('prefix')}:`;
    expect(await echo(client(prefix), ['k', 'ü'], ['k', 'ü'])).toEqual([
      `${prefix}k`,
      `${prefix}ü`,
      '|',
      'k',
      'ü',
    ]);
  });

  it('is written whole from the offline queue once ioredis has reconnected', async () => {
    const redis = client();
    await redis.ping();
    const args = ['ü', 'after'];
    const command = new ScriptCommand('eval', ECHO, ['k'], args, undefined);
    // Sent into a connection that is going away: ioredis queues it and writes it on the next one.
    redis.disconnect(true);
    void redis.sendCommand(command);
    expect(await command.promise).toEqual(['k', '|', ...args]);
  });

  it.each([
    ['ASCII only', ['evalsha', 'abc', '1', 'key'], ['x', 1, '']],
    ['awkward characters', ['eval', 'return 1', '2', 'ключ', 'k'], AWKWARD],
  ])("encodes as ioredis's own Command does: %s", (_name, words, args) => {
    const theirs = new Command(words[0], [...words.slice(1), ...args]).toWritable({});
    expect(encodeCommand(words, args)).toBe(theirs);
  });
});
