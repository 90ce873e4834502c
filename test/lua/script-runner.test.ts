// ScriptRunner: scripts go by SHA and fall back to EVAL after SCRIPT FLUSH, function scripts load
// their library where Redis lacks it, and any other script error reaches the caller unchanged.
import { createHash } from 'node:crypto';
import { Command } from 'ioredis';
import { functionLoads } from '../support/function-loads';
import { useRegisteredInstanceScripts } from '../support/registered-instance-scripts';
import { loadLibrary, ScriptRunner } from '../../src/scripts/script-runner';
import { ScriptStatus } from '../../src/scripts/script-status';
import { loadScripts } from '../../src/scripts/script-catalog';
import { readStats } from '../../src/scripts/commands/read-stats';

/** The script contracts, straight through ScriptRunner and the typed wrappers: no monitor. */
describe('Lua script contracts', () => {
  const { setup } = useRegisteredInstanceScripts('lua');

  describe('ScriptRunner', () => {
    it('falls back to EVAL after SCRIPT FLUSH and keeps working', async () => {
      const { apply, client, runner, keys, today } = await setup();
      const sha = loadScripts().get('readStats')!.sha;
      const read = () => readStats(runner, keys, { date: today.date, exactUnionLimit: 100 });
      await apply(['o', 's1', ''], { firstSeq: 0 });
      await read();
      expect(await client.script('EXISTS', sha)).toEqual([1]);
      await client.script('FLUSH');
      expect(await client.script('EXISTS', sha)).toEqual([0]);

      expect(await read()).toMatchObject({ liveSessions: 1, anonymousSessions: 1, daySessions: 1 });
      // EVAL cached it again, so the next call goes by SHA.
      expect(await client.script('EXISTS', sha)).toEqual([1]);
    });

    it('loads the library of a function script after FUNCTION FLUSH, once for calls in flight', async () => {
      const { apply, client, runner, keys, today } = await setup();
      const library = loadScripts().get('applyBatch')!.library!.name;
      const loaded = async () =>
        ((await client.call('FUNCTION', 'LIST', 'LIBRARYNAME', library)) as unknown[]).length;
      await apply(['o', 's1', ''], { firstSeq: 0 });
      expect(await loaded()).toBe(1);
      await client.call('FUNCTION', 'FLUSH');
      expect(await loaded()).toBe(0);
      const loadsBefore = await functionLoads(client);

      // Two batches sent together both find the function missing: one load serves both.
      const [first, second] = await Promise.all([
        apply(['o', 's2', ''], { firstSeq: 1 }),
        apply(['o', 's3', ''], { firstSeq: 2 }),
      ]);
      expect([first.status, second.status]).toEqual([ScriptStatus.OK, ScriptStatus.OK]);
      expect(await loaded()).toBe(1);
      expect((await functionLoads(client)) - loadsBefore).toBe(1);
      const stats = await readStats(runner, keys, { date: today.date, exactUnionLimit: 100 });
      expect(stats).toMatchObject({ liveSessions: 3, anonymousSessions: 3, daySessions: 3 });
    });

    it('loads the library again when it is gone again before the call that follows a load', async () => {
      const { apply, client } = await setup();
      const library = loadScripts().get('applyBatch')!.library!.name;
      await client.call('FUNCTION', 'FLUSH');
      // On this connection, a FUNCTION FLUSH goes just before the second FCALL: the one sent
      // after the first load finds the function gone again.
      let fcalls = 0;
      const send = client.sendCommand.bind(client);
      client.sendCommand = (command: Command, ...rest: unknown[]) => {
        if (command.name === 'fcall' && command.args[0] === library && ++fcalls === 2) {
          void send(new Command('function', ['FLUSH']));
        }
        return send(command, ...(rest as []));
      };
      try {
        const loadsBefore = await functionLoads(client);
        expect(await apply(['o', 's1', ''], { firstSeq: 0 })).toMatchObject({
          status: ScriptStatus.OK,
        });
        expect(fcalls).toBe(3);
        expect((await functionLoads(client)) - loadsBefore).toBe(2);
      } finally {
        client.sendCommand = send;
      }
    });

    it('takes a library another writer loaded meanwhile as its own', async () => {
      const { apply, client } = await setup();
      const library = loadScripts().get('applyBatch')!.library!;
      await client.call('FUNCTION', 'FLUSH');
      await loadLibrary(client, library);
      await expect(loadLibrary(client, library)).resolves.toBeUndefined();
      const listed = (await client.call('FUNCTION', 'LIST')) as unknown[];
      expect(listed).toHaveLength(1);
      expect(await apply(['o', 's1', ''], { firstSeq: 0 })).toMatchObject({
        status: ScriptStatus.OK,
      });
    });

    it('runs the bundled source whose SHA it sends', () => {
      for (const script of loadScripts().values()) {
        expect(script.sha).toBe(createHash('sha1').update(script.source).digest('hex'));
        expect(script.source).not.toMatch(/--- @include/);
      }
    });

    it('passes script errors other than NOSCRIPT through', async () => {
      const { apply, client, keys } = await setup();
      await client.set(keys.live(), 'not a hash');
      await expect(apply(['o', 's1', ''])).rejects.toThrow(/WRONGTYPE/);
      await expect(new ScriptRunner(client).run('applyBatch', [keys.live()], [])).rejects.toThrow(
        /takes 12 or more keys, got 1/,
      );
      await expect(new ScriptRunner(client).run('noSuchScript', [], [])).rejects.toThrow(
        /no Lua script named noSuchScript/,
      );
    });
  });
});
