/**
 * What redis.conf.example's users are refused, sent directly or inside a script: the reader every
 * write, the writer every key outside sau:* and every server command.
 */
import { uniqueNamespace } from '../support/redis-server';
import {
  REFUSED,
  REFUSED_COMMAND,
  describeWithRedis,
  useExampleRedis,
  userClient,
} from '../support/redis-conf-example-acl';

jest.setTimeout(60_000);

describeWithRedis('redis.conf.example users (ACL)', () => {
  const example = useExampleRedis();

  it('refuses every write to the reader, inside scripts too', async () => {
    const { admin, readerUrl } = example;
    const key = `sau:{${uniqueNamespace('acl-ro')}}:probe`;
    await admin.hset(key, 'f', '1');
    const reader = userClient(readerUrl);
    try {
      expect(await reader.hget(key, 'f')).toBe('1');
      await expect(reader.hset(key, 'f', '2')).rejects.toThrow(REFUSED_COMMAND);
      await expect(reader.del(key)).rejects.toThrow(REFUSED_COMMAND);
      await expect(reader.xadd(`${key}:stream`, '*', 'f', '1')).rejects.toThrow(REFUSED_COMMAND);
      await expect(reader.pfadd(`${key}:hll`, 'x')).rejects.toThrow(REFUSED_COMMAND);
      await expect(
        reader.eval("return redis.call('HSET', KEYS[1], 'f', '3')", 1, key),
      ).rejects.toThrow(REFUSED);
      await expect(reader.eval("return redis.call('DEL', KEYS[1])", 1, key)).rejects.toThrow(
        REFUSED,
      );
      await expect(reader.call('CONFIG', 'GET', 'requirepass')).rejects.toThrow(REFUSED_COMMAND);
      await expect(reader.get('other:key')).rejects.toThrow(REFUSED_COMMAND);
    } finally {
      await reader.quit();
    }
    expect(await admin.hgetall(key)).toEqual({ f: '1' });
    expect(await admin.exists(`${key}:stream`, `${key}:hll`)).toBe(0);
  });

  it('keeps the writer inside sau:* and away from server commands', async () => {
    const { admin, writerUrl } = example;
    await admin.set('other:key', 'untouched');
    const writer = userClient(writerUrl);
    try {
      await expect(writer.set('other:key', 'changed')).rejects.toThrow(REFUSED_COMMAND);
      await expect(writer.get('other:key')).rejects.toThrow(REFUSED_COMMAND);
      await expect(writer.del('other:key')).rejects.toThrow(REFUSED_COMMAND);
      await expect(writer.hset('app:users', 'f', '1')).rejects.toThrow(REFUSED_COMMAND);
      await expect(
        writer.eval("return redis.call('SET', 'other:key', 'from-lua')", 0),
      ).rejects.toThrow(REFUSED);
      await expect(writer.flushall()).rejects.toThrow(REFUSED_COMMAND);
      await expect(writer.flushdb()).rejects.toThrow(REFUSED_COMMAND);
      await expect(writer.call('CONFIG', 'SET', 'appendonly', 'no')).rejects.toThrow(
        REFUSED_COMMAND,
      );
      await expect(writer.call('CONFIG', 'GET', 'requirepass')).rejects.toThrow(REFUSED_COMMAND);
      await expect(writer.keys('*')).rejects.toThrow(REFUSED_COMMAND);
      await expect(writer.call('SHUTDOWN', 'NOSAVE')).rejects.toThrow(REFUSED_COMMAND);
      await expect(writer.publish('sau', 'x')).rejects.toThrow(REFUSED_COMMAND);
      // …while its own keys are fine.
      expect(await writer.set('sau:{acl-writer}:probe', 'v')).toBe('OK');
      expect(await writer.del('sau:{acl-writer}:probe')).toBe(1);
    } finally {
      await writer.quit();
    }
    expect(await admin.get('other:key')).toBe('untouched');
  });
});
