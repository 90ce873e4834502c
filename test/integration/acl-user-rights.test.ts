/**
 * redis.conf.example's users as Redis loads them: which users exist, and which of the scripts'
 * commands ACL DRYRUN lets each run (the writer all, the reader only the reads).
 */
import {
  READER_SCRIPTS,
  commandsCalledByScripts,
  dryRunArguments,
} from '../../src/diagnostics/acl-rights';
import { describeWithRedis, useExampleRedis } from '../support/redis-conf-example-acl';

jest.setTimeout(60_000);

describeWithRedis('redis.conf.example users (ACL)', () => {
  const example = useExampleRedis();

  it('loads with both users, and keeps the default user on', async () => {
    const { admin } = example;
    const users = (await admin.call('ACL', 'LIST')) as string[];
    expect(users.map((u) => u.split(' ')[1]).sort()).toEqual([
      'default',
      'sau-reader',
      'sau-writer',
    ]);
    for (const user of users.filter((u) => !u.startsWith('user default '))) {
      expect(user).toMatch(/ on .* ~sau:\* resetchannels -@all \+/);
    }
  });

  it('lets the writer run every command the scripts call, and the reader only the reads', async () => {
    const { admin } = example;
    const key = 'sau:{x}:k';
    const everyCommand = commandsCalledByScripts();
    expect(everyCommand.length).toBeGreaterThanOrEqual(25);
    expect(everyCommand).toEqual(expect.arrayContaining(['HSET', 'XADD', 'PFADD', 'TIME']));
    const deniedToWriter: string[] = [];
    for (const command of everyCommand) {
      const reply = await admin.call(
        'ACL',
        'DRYRUN',
        'sau-writer',
        ...dryRunArguments(command, key),
      );
      if (reply !== 'OK') deniedToWriter.push(`${command}: ${String(reply)}`);
    }
    expect(deniedToWriter).toEqual([]);
    // applyBatch runs as a Redis Function: the writer calls it and loads its library, the reader
    // does neither.
    for (const command of ['FCALL', 'FUNCTION|LOAD']) {
      const args = dryRunArguments(command, key);
      expect([command, await admin.call('ACL', 'DRYRUN', 'sau-writer', ...args)]).toEqual([
        command,
        'OK',
      ]);
      expect([command, await admin.call('ACL', 'DRYRUN', 'sau-reader', ...args)]).toEqual([
        command,
        expect.stringMatching(/no permissions/),
      ]);
    }

    const readerCommands = commandsCalledByScripts(READER_SCRIPTS);
    expect(readerCommands).toEqual(expect.arrayContaining(['PFCOUNT', 'ZCOUNT', 'HMGET']));
    for (const command of readerCommands) {
      expect(
        await admin.call('ACL', 'DRYRUN', 'sau-reader', ...dryRunArguments(command, key)),
      ).toBe('OK');
    }
    // Redis itself says which of the scripts' commands write: the reader must have none of them.
    const writes: string[] = [];
    for (const command of everyCommand) {
      const [info] = (await admin.call('COMMAND', 'INFO', command)) as [unknown[]];
      if ((info[2] as string[]).includes('write')) writes.push(command);
    }
    expect(writes).toEqual(expect.arrayContaining(['HSET', 'DEL', 'XADD', 'PFADD', 'ZADD']));
    for (const command of writes) {
      const reply = await admin.call(
        'ACL',
        'DRYRUN',
        'sau-reader',
        ...dryRunArguments(command, key),
      );
      expect([command, reply]).toEqual([command, expect.stringMatching(/no permissions/)]);
    }
  });
});
