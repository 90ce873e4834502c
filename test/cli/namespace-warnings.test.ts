import { SessionMonitor } from '../../src';
import { startRedis, uniqueNamespace, type TestRedis } from '../support/redis-server';
import { assertBuilt, jsonLines, runCli, startCli, stderrLines } from './run-cli';

interface Check {
  name: string;
  status: string;
  detail: string;
}

/**
 * A namespace that never had data, or a zone other than the monitors', reads zeros or another day
 * that look real: every command says so on stderr (doctor: as a warning), and still answers.
 */
describe('sau-cli warns about a namespace without data and a zone other than the monitors', () => {
  let redis: TestRedis;
  let monitor: SessionMonitor;
  const real = uniqueNamespace('real');
  const problems: Error[] = [];

  const cli = (namespace: string, ...args: string[]) =>
    runCli(['--redis-url', redis.url, '--namespace', namespace, ...args]);

  beforeAll(async () => {
    assertBuilt();
    redis = await startRedis();
    monitor = new SessionMonitor({
      redis: redis.url,
      namespace: real,
      timezone: 'Europe/Berlin',
      gaugeIntervalMs: 0,
    });
    monitor.on('error', (err: Error) => problems.push(err));
    await monitor.start();
    monitor.open({ id: 's1' });
    monitor.login('s1', 'u1');
    await monitor.flush();
  });

  afterAll(async () => {
    await monitor?.stop();
    await redis?.stop();
    expect(problems).toEqual([]);
  });

  it('names a namespace without data, and the namespaces that have some', async () => {
    const typo = await cli('nosuchns', '--timezone', 'Europe/Berlin', '--json', 'stats');
    expect(typo.code).toBe(0);
    expect(jsonLines(typo.stdout)).toHaveLength(1);
    expect(stderrLines(typo.stderr)).toEqual([
      `sau-cli: warning: namespace nosuchns has no data at all (a typo?); namespaces with data here: ${real}`,
    ]);
    const right = await cli(real, '--timezone', 'Europe/Berlin', '--json', 'stats');
    expect(right.stderr).toBe('');
  });

  it('names the zone the monitors count days in when another is asked for', async () => {
    for (const zone of ['Pacific/Kiritimati', 'UTC']) {
      const result = await cli(real, '--timezone', zone, 'history', '--days', '2');
      expect(result.code).toBe(0);
      expect(stderrLines(result.stderr)).toEqual([
        `sau-cli: warning: days are read in ${zone}, but the monitors of namespace ${real} count them in Europe/Berlin: pass --timezone Europe/Berlin (or set SAU_TIMEZONE) to read the days they write`,
      ]);
    }
    const sameZone = await cli(real, '--timezone', 'europe/berlin', 'history', '--days', '2');
    expect(sameZone.stderr).toBe('');
    const instances = await cli(real, '--json', 'instances');
    const [listed] = jsonLines(instances.stdout) as { instances: { timezone: string }[] }[];
    expect(listed.instances.map((i) => i.timezone)).toEqual(['Europe/Berlin']);
  });

  it('doctor shows both as warnings', async () => {
    const typo = await cli('nosuchns', '--timezone', 'Europe/Berlin', '--json', 'doctor');
    const checks = (jsonLines(typo.stdout)[0] as { checks: Check[] }).checks;
    expect(checks.find((c) => c.name === 'namespace')).toEqual({
      name: 'namespace',
      status: 'warn',
      detail: `namespace nosuchns has no data at all (a typo?); namespaces with data here: ${real}`,
    });
    const zone = await cli(real, '--timezone', 'Pacific/Kiritimati', '--json', 'doctor');
    const zoneChecks = (jsonLines(zone.stdout)[0] as { checks: Check[] }).checks;
    expect(zoneChecks.find((c) => c.name === 'namespace')?.status).toBe('ok');
    expect(zoneChecks.find((c) => c.name === 'time zone')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/^days are read in Pacific\/Kiritimati, but the monitors/),
    });
    expect(zone.code).toBe(0);
  });

  it('metrics names the namespaces it serves that have no data', async () => {
    const metrics = startCli([
      '--redis-url',
      redis.url,
      '--json',
      'metrics',
      '--port',
      '0',
      '--namespaces',
      `${real},nothinghere`,
    ]);
    await metrics.linesSoFar(1);
    metrics.child.kill('SIGTERM');
    const result = await metrics.done;
    expect(result.code).toBe(0);
    expect(stderrLines(result.stderr)[0]).toBe(
      `sau-cli: warning: namespace nothinghere has no data at all (a typo?); namespaces with data here: ${real}`,
    );
  });
});
