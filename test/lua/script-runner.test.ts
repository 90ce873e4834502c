// ScriptRunner: scripts go by SHA, fall back to EVAL after SCRIPT FLUSH, and any other script
// error reaches the caller unchanged.
import { createHash } from 'node:crypto';
import { useRegisteredInstanceScripts } from '../support/registered-instance-scripts';
import { ScriptRunner } from '../../src/scripts/script-runner';
import { ScriptStatus } from '../../src/scripts/script-status';
import { loadScripts } from '../../src/scripts/script-catalog';
import { readStats } from '../../src/scripts/commands/read-stats';

/** The script contracts, straight through ScriptRunner and the typed wrappers: no monitor. */
describe('Lua script contracts', () => {
  const { setup } = useRegisteredInstanceScripts('lua');

  describe('ScriptRunner', () => {
    it('falls back to EVAL after SCRIPT FLUSH and keeps working', async () => {
      const { apply, client, runner, keys, today } = await setup();
      const sha = loadScripts().get('applyBatch')!.sha;
      await apply(['o', 's1', ''], { firstSeq: 0 });
      expect(await client.script('EXISTS', sha)).toEqual([1]);
      await client.script('FLUSH');
      expect(await client.script('EXISTS', sha)).toEqual([0]);

      expect(await apply(['o', 's2', ''], { firstSeq: 1 })).toMatchObject({
        status: ScriptStatus.OK,
        applied: 1,
      });
      // EVAL cached it again, so the next call goes by SHA.
      expect(await client.script('EXISTS', sha)).toEqual([1]);
      const stats = await readStats(runner, keys, { date: today.date, exactUnionLimit: 100 });
      expect(stats).toMatchObject({ liveSessions: 2, anonymousSessions: 2, daySessions: 2 });
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
